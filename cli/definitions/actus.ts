// `cashflow actus`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/actus.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('actus')
    .description('compute an ACTUS test bed file and print the events as JSON')
    .argument('<file>', 'test bed file in the format of ../shared/actus/tests/');
}
