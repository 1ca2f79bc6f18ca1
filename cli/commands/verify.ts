// `cashflow verify [--all | --sample N | --contract ID… | --portfolio P] [--json]`: recomputes
// the chosen contracts from the source tables (contracts, observed_events, market_data; never
// Redis) exactly as the calculator does, compares every stored field of contract_cashflows and
// cashflow_versions with it (processors/verification.ts) and prints the counts and the first
// differences. Exit 0 exactly when nothing is missing, stale, extra or differing.
import { UserFacingError } from '../command.js';
import { loadConfig } from '../../config/config.js';
import { createDatabase } from '../../db/open.js';
import * as ops from '../../demo/ops.js';
import { Verification, describeMismatches } from '../../processors/verify-run.js';
import { mismatchCount } from '../../processors/verification.js';

interface VerifyOptions {
  all?: boolean;
  sample?: string;
  contract?: string[];
  portfolio?: string;
  json?: boolean;
  pageSize: string;
  show: string;
}

/** `cashflow verify` */
export async function action(opts: VerifyOptions): Promise<void> {
  const chosen = [opts.all, opts.sample, opts.contract, opts.portfolio].filter((x) => x !== undefined && x !== false).length;
  if (chosen !== 1) throw new UserFacingError('give exactly one of --all, --sample N, --contract ID…, --portfolio P', 2);
  const positive = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UserFacingError(`${name} must be a positive integer, got "${v}"`, 2);
    return n;
  };
  const pageSize = positive('--page-size', opts.pageSize);
  const show = positive('--show', opts.show);
  const sample = opts.sample !== undefined ? positive('--sample', opts.sample) : undefined;

  const config = loadConfig(process.env, ['database', 'horizon']);
  const db = await createDatabase(config);
  let bar: Awaited<ReturnType<typeof ops.progressBar>> | undefined;
  try {
    let ids: string[] | undefined;
    if (opts.contract) ids = opts.contract;
    else if (sample !== undefined) ids = await db.sampleContractIds(sample);
    else if (opts.portfolio !== undefined) {
      ids = await db.portfolioContractIds(opts.portfolio);
      if (ids.length === 0) throw new UserFacingError(`portfolio ${opts.portfolio} holds no positions: nothing to verify`);
    }
    const total = ids ? ids.length : await ops.countContracts(config);
    bar = await ops.progressBar('verifying', total, 'contracts');
    const verification = new Verification(db, {
      horizon: config.horizon,
      pageSize,
      maxReported: Math.max(show, 1000),
      onPage: (c) => bar!.update(c.checked, Math.max(total, c.checked)),
    });
    if (ids) await verification.ids(ids);
    else await verification.all();
    bar.stop();
    const report = verification.report();
    const c = report.counts;
    const wrong = mismatchCount(c);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...c, mismatching: wrong, seconds: report.seconds, mismatches: report.mismatches.slice(0, show), mismatchingIds: report.mismatches.map((m) => `${m.contractId}`) })}\n`);
    } else {
      const lines = [
        `checked ${c.checked} contracts (${c.rows} rows) in ${report.seconds.toFixed(1)} s (${Math.round(c.checked / Math.max(report.seconds, 1e-3))} contracts/s):` +
          ` ${c.equal} equal, ${c.missing} missing, ${c.stale} stale, ${c.extra} extra, ${c.differing} differing` +
          ` (${c.waiting} waiting, ${c.deleted} deleted, ${c.rejected} rejected terms not compared)`,
      ];
      if (wrong > 0) {
        lines.push(`${wrong} contract${wrong === 1 ? '' : 's'} wrong; the first ${Math.min(show, report.mismatches.length)}:`);
        lines.push(...describeMismatches(report.mismatches, show).map((l) => `  ${l}`));
        if (report.mismatches.length > show) lines.push(`  more: ${report.mismatches.slice(show).map((m) => m.contractId).join(' ')}${wrong > report.mismatches.length ? ' …' : ''}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (wrong > 0) process.exitCode = 1;
  } finally {
    bar?.stop();
    ops.stopAllBars();
    await db.close().catch(() => {});
  }
}

