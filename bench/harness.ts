// What the in-process benchmark scripts (bench/*.ts run with node) share: their command line and
// the main thread's GC pauses.
import { PerformanceObserver } from 'node:perf_hooks';

/** Every value given as `--<name> <value>` on the command line, in order. */
export function argValues(name: string): string[] {
  const out: string[] = [];
  for (let i = 2; i < process.argv.length - 1; i++)
    if (process.argv[i] === `--${name}`) out.push(process.argv[i + 1]);
  return out;
}

/** Main-thread GC pause time so far (ms), from the performance timeline. */
export function gcTime(): { ms: number } {
  const total = { ms: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) total.ms += e.duration;
  }).observe({ entryTypes: ['gc'] });
  return total;
}
