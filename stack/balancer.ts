// `cashflow serve --instances N`: N `cashflow serve` processes on loopback ports behind one
// HAProxy (stack/haproxy.ts) on the API's address. The processes are this one's children: an
// instance that dies is started again on its port (HAProxy's health checks on /readyz bring it
// back), HAProxy dying ends the whole. Jobs and their results live in Redis and Kafka, so any
// instance answers for a job another one accepted (docs/operations.md "Several API instances").
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backoffDelayMs } from '../clients/backoff.js';
import { freePort } from './free-port.js';
import { haproxyArgs, haproxyConfig, type HaproxySettings } from './haproxy.js';
import { onPath } from './processes.js';

export interface BalancerOptions {
  instances: number;
  /** The balancer's address. */
  host: string;
  port: number;
  /** The stack folder: the generated haproxy.cfg goes to its conf/. */
  stackDir: string;
  /** How to start one instance on a port: the command and its arguments. */
  instanceCommand: (port: number) => { command: string; args: string[] };
  log: (line: string) => void;
}

export interface RunningBalancer {
  configFile: string;
  /** Ends when HAProxy ends (after stop(), or by itself: then the instances are stopped too). */
  ended: Promise<{ haproxy: number | string | null }>;
  stop(): Promise<void>;
}

/** Health checks each second: a killed instance is also taken out at its first refused connection. */
const CHECKS = { checkIntervalMs: 1000, fall: 2, rise: 2 } as const;
/** An instance that lived this long before dying is restarted at once, not after a backoff. */
const STABLE_MS = 10_000;
const RESTART_BACKOFF = { initialMs: 250, maxMs: 10_000 };
const STOP_GRACE_MS = 30_000;
/** How long HAProxy's start waits for the instances (it starts anyway: its checks take over). */
const START_WAIT_MS = 60_000;

/** Resolves when the instance on `port` answers /readyz with 200, or after `timeoutMs`. */
async function answering(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Slot {
  name: string;
  port: number;
  child?: ChildProcess;
  startedAt: number;
  quickDeaths: number;
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function endChild(c: ChildProcess, graceMs: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await exited(c);
  clearTimeout(timer);
}

export async function startBalancer(o: BalancerOptions): Promise<RunningBalancer> {
  if (!onPath('haproxy'))
    throw new Error(
      "the haproxy binary is not on PATH: install Debian's package (apt-get install --no-install-recommends haproxy; scripts/setup.sh does)",
    );
  const slots: Slot[] = [];
  for (let i = 1; i <= o.instances; i++)
    slots.push({ name: `api-${i}`, port: await freePort(), startedAt: 0, quickDeaths: 0 });
  const settings: HaproxySettings = {
    bind: `${o.host}:${o.port}`,
    servers: slots.map((s) => ({ name: s.name, address: `127.0.0.1:${s.port}` })),
    ...CHECKS,
  };
  const conf = join(resolve(o.stackDir), 'conf');
  mkdirSync(conf, { recursive: true });
  const configFile = join(conf, `haproxy-${o.port}.cfg`);
  writeFileSync(configFile, haproxyConfig(settings));

  let stopping = false;
  const start = (slot: Slot) => {
    const { command, args } = o.instanceCommand(slot.port);
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    slot.child = child;
    slot.startedAt = Date.now();
    o.log(`instance ${slot.name} pid ${child.pid} on http://127.0.0.1:${slot.port}`);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      const lived = Date.now() - slot.startedAt;
      slot.quickDeaths = lived < STABLE_MS ? slot.quickDeaths + 1 : 0;
      const wait = slot.quickDeaths === 0 ? 0 : backoffDelayMs(RESTART_BACKOFF, slot.quickDeaths - 1);
      o.log(
        `instance ${slot.name} (pid ${child.pid}) ended (${signal ?? `exit ${code}`}); starting another on port ${slot.port} in ${Math.round(wait)} ms`,
      );
      setTimeout(() => {
        if (!stopping) start(slot);
      }, wait);
    });
  };
  for (const slot of slots) start(slot);
  // HAProxy after the instances answer, so that it does not begin by marking them all down
  await Promise.all(slots.map((s) => answering(s.port, START_WAIT_MS)));

  const haproxy = spawn('haproxy', haproxyArgs(configFile), { stdio: ['ignore', 'inherit', 'inherit'] });
  const stopInstances = async () => {
    stopping = true;
    // instances first: each answers 503 on /readyz while it drains, HAProxy still routes the rest
    await Promise.all(slots.map((s) => (s.child ? endChild(s.child, STOP_GRACE_MS) : undefined)));
  };
  const ended = new Promise<{ haproxy: number | string | null }>((resolveEnded) => {
    haproxy.once('error', (e) => {
      o.log(`haproxy: ${e.message}`);
      void stopInstances().then(() => resolveEnded({ haproxy: null }));
    });
    haproxy.once('exit', (code, signal) => {
      if (!stopping) o.log(`haproxy ended (${signal ?? `exit ${code}`}): stopping the instances (its configuration: ${configFile})`);
      void stopInstances().then(() => resolveEnded({ haproxy: signal ?? code }));
    });
  });
  return {
    configFile,
    ended,
    async stop() {
      await stopInstances();
      await endChild(haproxy, STOP_GRACE_MS);
      await ended;
    },
  };
}
