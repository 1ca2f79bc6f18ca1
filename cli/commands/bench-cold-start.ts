// `cashflow bench cold-start`: the first start against a database that already holds its book,
// in an environment of its own (bench/cold-start.ts).
import { integerOption, UserFacingError } from '../command.js';
import { runColdStartBench } from '../../bench/cold-start.js';

/** `cashflow bench cold-start` */
export async function action(opts: { contracts: string; calculators: string; keep?: boolean; fullSeconds?: string; basePort: string }): Promise<void> {
  const fullSeconds = opts.fullSeconds === undefined ? undefined : Number(opts.fullSeconds);
  if (fullSeconds !== undefined && !(fullSeconds > 0)) throw new UserFacingError('--full-seconds must be a positive number of seconds', 2);
  const r = await runColdStartBench({
    contracts: integerOption(opts.contracts, 'contracts', 1),
    calculators: integerOption(opts.calculators, 'calculators', 1),
    keep: opts.keep === true,
    fullSeconds,
    basePort: integerOption(opts.basePort, 'base-port', 1024),
    log: (s) => process.stderr.write(s + '\n'),
  });
  const rss = Object.entries(r.peakRssMb).map(([k, v]) => `${k} ${v} MB`).join(', ');
  process.stdout.write(
    `cold start: ${r.contracts} contracts (${r.sourceRows} source rows) in ${r.seconds} s: ${r.contractsPerSecond} contracts/s\n` +
      `snapshot: every source row on its CDC topic after ${r.snapshotSeconds} s (${Math.round(r.snapshotShare * 100)}% of the cold start)\n` +
      (r.vsFullRecompute !== undefined ? `vs a full recompute of ${fullSeconds} s: ${r.vsFullRecompute}×\n` : '') +
      `peak RSS: ${rss}\n`,
  );
  process.stdout.write(JSON.stringify(r) + '\n');
}
