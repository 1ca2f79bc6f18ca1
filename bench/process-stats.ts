// What the benchmarks read of a process on this machine (Linux /proc, proc(5)): its CPU time
// and its peak resident set. A process elsewhere or gone reads as undefined.
import { readFileSync } from 'node:fs';

/** CPU ticks (user + system; USER_HZ 100 per second) a process has used so far. */
export function cpuTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after the command name, which may hold spaces and parentheses: utime and stime are fields 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far; 0 when not readable. */
export function cpuSecondsOf(pid: number): number {
  return (cpuTicksOf(pid) ?? 0) / 100;
}

/** A process's peak resident set (VmHWM) in kB, read while it runs. */
export function peakRssKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
