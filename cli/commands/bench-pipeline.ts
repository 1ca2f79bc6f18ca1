// `cashflow bench pipeline`: the pipeline on the local stack in an environment of its own
// (bench/pipeline.ts).
import { integerOption } from '../command.js';
import { runPipelineBench } from '../../bench/pipeline.js';

/** `cashflow bench pipeline` */
export async function action(opts: { contracts: string; ticks: string; edits: string; calculators: string; keep?: boolean; verify?: boolean; rebuild?: string; portfolio?: string; portfolioRuns: string; basePort: string }): Promise<void> {
  const r = await runPipelineBench({
    contracts: integerOption(opts.contracts, 'contracts', 1),
    ticks: integerOption(opts.ticks, 'ticks', 1),
    edits: integerOption(opts.edits, 'edits', 1),
    calculators: integerOption(opts.calculators, 'calculators', 1),
    keep: opts.keep === true,
    verify: opts.verify === true,
    rebuilds: opts.rebuild === undefined ? 0 : integerOption(opts.rebuild, 'rebuild', 1),
    portfolio: opts.portfolio === undefined ? 0 : integerOption(opts.portfolio, 'portfolio', 1),
    portfolioRuns: integerOption(opts.portfolioRuns, 'portfolio-runs', 1),
    basePort: integerOption(opts.basePort, 'base-port', 1024),
    log: (s) => process.stderr.write(s + '\n'),
  });
  const rss = Object.entries(r.peakRssMb).map(([k, v]) => `${k} ${v} MB`).join(', ');
  process.stdout.write(
    `full recompute: ${r.contracts} contracts, ${r.rows} rows in ${r.full.seconds} s: ${r.full.contractsPerSecond} contracts/s, ${r.full.rowsPerSecond} rows/s\n` +
      `database bulk path alone: ${r.bulk.rows} rows in ${r.bulk.seconds} s: ${r.bulk.rowsPerSecond} rows/s (pipeline at ${Math.round(r.pipelineVsBulk * 100)}% of it)\n` +
      `market tick touching ${r.tick.contracts} contracts, commit to last row committed: p50 ${r.tick.p50Ms} ms, p99 ${r.tick.p99Ms} ms (${r.tick.samples} ticks)\n` +
      `tick stages, median ms from the commit to the first..last message: ${Object.entries(r.tick.stagesMs).map(([s, [a, b]]) => `${s} ${a}..${b}`).join(', ')}\n` +
      `single contract edit, commit to commit: p50 ${r.edit.p50Ms} ms, p99 ${r.edit.p99Ms} ms (${r.edit.samples} edits)\n` +
      (r.portfolio
        ? `portfolio of ${r.portfolio.lots} lots (${r.portfolio.contracts} contracts), recalc --portfolio request to last row committed: p50 ${r.portfolio.p50Ms} ms, p99 ${r.portfolio.p99Ms} ms (${r.portfolio.samples} runs)\n`
        : '') +
      `peak RSS: ${rss}\n` +
      `storage: database ${r.storage.databaseMb} MB, Redis state ${r.storage.redisMb} MB\n` +
      (r.rebuild
        ? `state rebuild --clear of ${r.rebuild.records} records: p50 ${r.rebuild.p50Seconds} s (${r.rebuild.recordsPerSecond} records/s), max ${r.rebuild.maxSeconds} s, p50 ${r.rebuild.p50WallSeconds} s with the process start (${r.rebuild.runs} runs)\n`
        : '') +
      (r.verify
        ? `verify --all: ${r.verify.contracts} contracts, ${r.verify.rows} rows, ${r.verify.mismatching} wrong, in ${r.verify.seconds} s (database read ${r.verify.readSeconds} s, expectation and comparison ${r.verify.computeSeconds} s; engine alone on the book ${r.verify.engineAloneSeconds} s; peak RSS ${r.verify.peakRssMb} MB)\n`
        : ''),
  );
  process.stdout.write(JSON.stringify(r) + '\n');
}
