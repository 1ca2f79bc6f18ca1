// `cashflow stop`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/stop.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('stop')
    .description('stop the processors started by `cashflow start` (the stack keeps running)')
    .option('--grace <seconds>', 'wait this long for a graceful shutdown before SIGKILL', '30');
}
