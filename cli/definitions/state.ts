// `cashflow state rebuild`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/state.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  const state = program.command('state').description('the Redis state of the pipeline');
  state
    .command('rebuild')
    .description('rebuild the Redis state from the compacted topics (contract terms, market observations, contract cash flows)')
    .option('--clear', "delete this environment's state keys first (prefix CASHFLOW_REDIS_PREFIX, default cashflow:)")
    .option('--timeout <seconds>', 'give up after this long', '1800');
}
