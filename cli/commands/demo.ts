// `cashflow demo`: the whole pipeline on the local stack (demo/run.ts says what it shows).
import { UserFacingError, configUses } from '../command.js';
import { loadConfig } from '../../config/config.js';
import { runDemo, PORTFOLIOS } from '../../demo/run.js';

/** `cashflow demo` */
export async function action(opts: { contracts: string; portfolio: string; out: string; keepRunning?: boolean; timeout: string }): Promise<void> {
  const contracts = Number(opts.contracts);
  if (!Number.isSafeInteger(contracts) || contracts < 1 || contracts > 1_000_000) throw new UserFacingError('--contracts must be 1..1000000', 2);
  const timeout = Number(opts.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UserFacingError('--timeout must be a positive number of seconds', 2);
  const config = loadConfig(process.env, configUses.platform);
  if (config.database.dialect !== 'postgres') throw new UserFacingError('the demo runs on the local stack: DATABASE_DIALECT=postgres', 2);
  if (!(PORTFOLIOS as readonly string[]).includes(opts.portfolio)) throw new UserFacingError(`--portfolio must be one of ${PORTFOLIOS.join(', ')}`, 2);
  await runDemo(config, { contracts, portfolio: opts.portfolio, outDir: opts.out, keepRunning: opts.keepRunning === true, timeoutMs: timeout * 1000 });
}

