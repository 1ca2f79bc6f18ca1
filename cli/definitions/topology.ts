// `cashflow topology`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/topology.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('topology')
    .description('print the topics and processors (text or Mermaid)')
    .option('--format <format>', 'text | mermaid', 'text');
}
