// `cashflow verify`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/verify.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('verify')
    .description('prove the result tables right: recompute from the source tables and compare every stored field')
    .option('--all', 'every contract (contracts ∪ cashflow_versions ∪ contract_cashflows)')
    .option('--sample <n>', 'n contracts of the contracts table picked at random')
    .option('--contract <id...>', 'these contracts')
    .option('--portfolio <id>', 'the contracts held in this portfolio (positions)')
    .option('--json', 'one JSON object on stdout (counts, mismatching contracts with their differences)')
    .option('--page-size <n>', 'contracts read per page', '2000')
    .option('--show <n>', 'mismatching contracts listed with their differences', '20');
}
