// `cashflow topics apply`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/topics.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  const topics = program.command('topics').description('topics of the topology');
  topics
    .command('apply')
    .description('create missing topics and raise partition counts as declared in topology/');
}
