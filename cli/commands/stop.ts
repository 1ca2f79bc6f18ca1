// `cashflow stop`: stops the processor processes that `cashflow start` ran (SIGTERM, so each
// finishes its batch and commits; SIGKILL only after the grace period). The stack keeps
// running (`cashflow stack down` stops it). Idempotent: nothing running is fine.
import { loadConfig } from '../../config/config.js';
import { stopProcessors } from '../../platform/processes.js';

/** `cashflow stop` */
export async function action(opts: { grace: string }): Promise<void> {
  const r = await stopProcessors(loadConfig(process.env, ['stack', 'pipeline']), Math.max(0, Number(opts.grace) || 0) * 1000);
  if (r.stopped.length + r.killed.length === 0) process.stdout.write('processors: none running\n');
  if (r.stopped.length) process.stdout.write(`processors: stopped ${r.stopped.join(', ')}\n`);
  if (r.killed.length) process.stdout.write(`processors: killed after the grace period ${r.killed.join(', ')}\n`);
  process.stdout.write('the stack keeps running (cashflow stack down stops it)\n');
}

