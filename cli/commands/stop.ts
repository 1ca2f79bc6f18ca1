import type { Command } from 'commander';

// `cashflow stop`: stops the processor processes that `cashflow start` ran (SIGTERM, so each
// finishes its batch and commits; SIGKILL only after the grace period). The stack keeps
// running (`cashflow stack down` stops it). Idempotent: nothing running is fine.
export function register(program: Command): void {
  program
    .command('stop')
    .description('stop the processors started by `cashflow start` (the stack keeps running)')
    .option('--grace <seconds>', 'wait this long for a graceful shutdown before SIGKILL', '30')
    .action(async (opts: { grace: string }) => {
      const { loadConfig } = await import('../../config/config.js');
      const { stopProcessors } = await import('../../platform/processes.js');
      const r = await stopProcessors(loadConfig(process.env, ['stack', 'pipeline']), Math.max(0, Number(opts.grace) || 0) * 1000);
      if (r.stopped.length + r.killed.length === 0) process.stdout.write('processors: none running\n');
      if (r.stopped.length) process.stdout.write(`processors: stopped ${r.stopped.join(', ')}\n`);
      if (r.killed.length) process.stdout.write(`processors: killed after the grace period ${r.killed.join(', ')}\n`);
      process.stdout.write('the stack keeps running (cashflow stack down stops it)\n');
    });
}
