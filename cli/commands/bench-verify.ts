// `cashflow bench verify`: verify --all against its target (bench/verify.ts).
import { integerOption } from '../command.js';
import { runVerifyBench } from '../../bench/verify.js';

/** `cashflow bench verify` */
export async function action(opts: { contracts: string; rounds: string; pageSize: string; keep?: boolean; database?: string }): Promise<void> {
  const r = await runVerifyBench({
    contracts: integerOption(opts.contracts, 'contracts'),
    rounds: integerOption(opts.rounds, 'rounds'),
    pageSize: integerOption(opts.pageSize, 'page-size'),
    keep: opts.keep === true,
    database: opts.database,
    log: (s) => process.stderr.write(s + '\n'),
  });
  for (const [k, x] of r.rounds.entries()) {
    process.stdout.write(
      `round ${k + 1}: verify --all ${x.verifySeconds} s on ${r.contracts} contracts / ${r.rows} rows (${r.mismatching} wrong); ` +
        `engine alone ${x.engineAloneSeconds} s, database read alone ${x.readSeconds} s: verify / (2 × engine + read) = ${x.ratio}\n`,
    );
  }
  process.stdout.write(JSON.stringify(r) + '\n');
  if (r.mismatching > 0) process.exitCode = 1;
}
