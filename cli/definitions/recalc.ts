// `cashflow recalc`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/recalc.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('recalc')
    .description('request recalculation: --all | --contract ID… | --market CODE | --portfolio P')
    .option('--all', 'every contract in the contracts table')
    .option('--contract <id...>', 'these contracts')
    .option('--market <code>', 'the contracts that depend on this market object code (dependency index)')
    .option('--portfolio <id>', 'the contracts held in this portfolio (its positions, as positions-ingest keeps them)')
    .option('--as-of <date>', 'status date override, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS')
    .option('--wait', 'wait until the results are committed to the database')
    .option('--timeout <seconds>', 'with --wait: give up after this long', '1800');
}
