// Ports for the services and processes a test, the chaos run or a private stack starts. They are
// chosen below the OS's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range, 32768
// by default): a port in that range can be taken at any moment by an outgoing connection's
// local end, and a process restarted on its port (a broker or Redis restarted by the chaos run,
// a processor restarted after a kill) then fails with EADDRINUSE.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const FIRST = 10_000;

/** The first port of the ephemeral range (32768 when it cannot be read). */
export function ephemeralRangeStart(read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): number {
  try {
    const low = Number(read().trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > FIRST + 1_000 && low <= 65_535) return low;
  } catch {
    // not Linux: the IANA range's start is the usual one
  }
  return 32_768;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports that can be bound now, below the ephemeral range. */
export async function freePortRange(count: number): Promise<number> {
  const last = ephemeralRangeStart() - count;
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = FIRST + Math.floor(Math.random() * (last - FIRST));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await bindable(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between ${FIRST} and ${last + count - 1}`);
}

/** A TCP port nothing listens on right now, below the ephemeral range (a private service binds it next). */
export function freePort(): Promise<number> {
  return freePortRange(1);
}
