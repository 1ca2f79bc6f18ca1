// `cashflow reset`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/reset.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('reset')
    .description("remove what `start`/`demo` made for this environment: processors, connector and its offsets, slot, database, topics, groups, subjects, Redis keys (the stack stays up)")
    .option('--yes', 'do it (without: only list what would be removed)');
}
