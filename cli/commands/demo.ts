import type { Command } from 'commander';
import { UserFacingError, configUses } from '../command.js';

// `cashflow demo`: the whole pipeline on the local stack (demo/run.ts says what it shows).
export function register(program: Command): void {
  program
    .command('demo')
    .description('on the local stack: load a sample book, compute it, move a market rate, show what was recomputed and a cash flow ladder')
    .option('--contracts <n>', 'size of the sample book', '3000')
    .option('--portfolio <id>', 'portfolio of the ladder (P-ALPHA, P-BETA, P-GAMMA)', 'P-ALPHA')
    .option('--out <dir>', 'where the ladder picture goes', 'demo-out')
    .option('--keep-running', 'leave the processors the demo started running (as `cashflow start` does)')
    .option('--timeout <seconds>', 'give up on a step after this long', '900')
    .action(async (opts: { contracts: string; portfolio: string; out: string; keepRunning?: boolean; timeout: string }) => {
      const contracts = Number(opts.contracts);
      if (!Number.isSafeInteger(contracts) || contracts < 1 || contracts > 1_000_000) throw new UserFacingError('--contracts must be 1..1000000', 2);
      const timeout = Number(opts.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0) throw new UserFacingError('--timeout must be a positive number of seconds', 2);
      const { loadConfig } = await import('../../config/config.js');
      const config = loadConfig(process.env, configUses.platform);
      if (config.database.dialect !== 'postgres') throw new UserFacingError('the demo runs on the local stack: DATABASE_DIALECT=postgres', 2);
      const { runDemo, PORTFOLIOS } = await import('../../demo/run.js');
      if (!(PORTFOLIOS as readonly string[]).includes(opts.portfolio)) throw new UserFacingError(`--portfolio must be one of ${PORTFOLIOS.join(', ')}`, 2);
      await runDemo(config, { contracts, portfolio: opts.portfolio, outDir: opts.out, keepRunning: opts.keepRunning === true, timeoutMs: timeout * 1000 });
    });
}
