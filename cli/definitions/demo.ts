// `cashflow demo`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/demo.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('demo')
    .description('on the local stack: load a sample book, compute it, move a market rate, show what was recomputed and a cash flow ladder')
    .option('--contracts <n>', 'size of the sample book', '3000')
    .option('--portfolio <id>', 'portfolio of the ladder (P-ALPHA, P-BETA, P-GAMMA)', 'P-ALPHA')
    .option('--out <dir>', 'where the ladder picture goes', 'demo-out')
    .option('--keep-running', 'leave the processors the demo started running (as `cashflow start` does)')
    .option('--timeout <seconds>', 'give up on a step after this long', '900');
}
