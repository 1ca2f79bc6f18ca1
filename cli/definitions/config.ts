// `cashflow config`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/config.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration: each variable, its value (secrets masked) and where it came from')
    .option('--json', 'one JSON array of {variable, value, source, problem?}');
}
