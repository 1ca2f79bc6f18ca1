// `cashflow bench pipeline --contracts N`: the pipeline on the local stack, in an environment of
// its own (database, topic prefix, consumer groups, Redis prefix, connector, slot, publication;
// all removed at the end unless --keep). Each processor runs as its own `cashflow run` child
// process, as `cashflow start` runs them, so peak RSS is per process.
//
//   book        N contracts of the engine's benchmark book (bench/pipeline-book.ts benchContract:
//               PAM, ANN, LAM, NAM, SWPPV round robin); 1,000 of them reset their rate yearly on BENCH.TICK
//   setup       contracts and market data committed, ingest + impact fill Redis; the requests
//               impact made for the new contracts are deleted, so nothing is computed yet
//   full        calculator + sink started; `recalc --all` (the command's own code path) →
//               every contract's result committed: contracts/s, rows/s
//   bulk        Database.applyResults alone on precomputed results (other contract ids), batches
//               of 1,000 contracts as the sink writes them: rows/s, the physical limit
//   tick        a new BENCH.TICK observation (changes all 1,000 schedules) → the last of the
//               1,000 new versions committed; repeated: p50/p99
//   edit        one contract's terms updated → its new version committed; repeated: p50/p99
//   storage     the database's size and the Redis memory of the state, after the edits
//               (bench/pipeline-storage.ts)
//   rebuild     (--rebuild N) `cashflow state rebuild --clear` N times next to the running
//               processors: seconds and records/s (bench/pipeline-rebuild.ts)
//   portfolio   (--portfolio LOTS) LOTS positions of one portfolio over the book, ingested by
//               positions-ingest; `recalc --portfolio --wait` (its code path: membership read,
//               requests, calculator then sink committed past them) from the request to the
//               last row committed; 10 runs: p50/p99
//
// The environment is bench/pipeline-env.ts; the steps, bench/pipeline-load.ts (setup, full,
// bulk), pipeline-latency.ts (tick, edit) and pipeline-portfolio.ts (portfolio, verify --all).
import { bulkPath, fullRecompute, loadBook } from './pipeline-load.js';
import { flatObserver, percentile } from './pipeline-book.js';
import { closeBenchEnv, openBenchEnv } from './pipeline-env.js';
import { marketTicks, singleEdits } from './pipeline-latency.js';
import { portfolioRecalcs, verifyAll, type PortfolioFigures, type VerifyFigures } from './pipeline-portfolio.js';
import { stateRebuilds, type RebuildFigures } from './pipeline-rebuild.js';
import { redisUsedMemory, storageFigures, type StorageFigures } from './pipeline-storage.js';
import { TICK_STAGES } from './stage-tap.js';

export {
  benchContract,
  benchMarketData,
  BENCH_PORTFOLIO,
  engineAloneSeconds,
  flatObserver,
  percentile,
  TICK_CODE,
  TICK_CONTRACTS,
} from './pipeline-book.js';

export interface PipelineBenchOptions {
  contracts: number;
  ticks: number;
  edits: number;
  calculators: number;
  keep: boolean;
  /** Lots of the portfolio recalculated at the end (0: no portfolio step). */
  portfolio?: number;
  /** Runs of the portfolio recalculation. */
  portfolioRuns?: number;
  /** First metrics port of the bench's processes (default 9500, after `cashflow start`'s). */
  basePort?: number;
  /** End with `cashflow verify --all` on the book, timed beside the engine alone. */
  verify?: boolean;
  /** Runs of `cashflow state rebuild --clear` after the edits (0: none). */
  rebuilds?: number;
  log: (line: string) => void;
}

export interface PipelineBenchResult {
  contracts: number;
  rows: number;
  full: { seconds: number; contractsPerSecond: number; rowsPerSecond: number; cpuSecondsPer1000: Record<string, number> };
  bulk: { contracts: number; rows: number; seconds: number; rowsPerSecond: number };
  pipelineVsBulk: number;
  tick: { contracts: number; samples: number; p50Ms: number; p99Ms: number; maxMs: number; stagesMs: Record<string, [first: number, last: number]> };
  edit: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  portfolio?: PortfolioFigures;
  peakRssMb: Record<string, number>;
  storage: StorageFigures;
  rebuild?: RebuildFigures;
  verify?: VerifyFigures;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export async function runPipelineBench(o: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const env = await openBenchEnv({ calculators: o.calculators, basePort: o.basePort });
  const started = Date.now();
  try {
    const redisAtStart = await redisUsedMemory(env);
    // ------------------------------------------------------------------ setup
    o.log(`environment: database ${env.dbName}, topic prefix ${env.prefix}, Redis prefix ${env.redisPrefix}`);
    const { marketData } = await loadBook(env, o.contracts);
    const observer = flatObserver(marketData);

    // ------------------------------------------------------------------ full recompute
    const full = await fullRecompute(env, o.contracts, o.log);
    const { rows } = full;

    // ------------------------------------------------------------------ the database bulk path alone
    const bulk = await bulkPath(env, o.contracts, observer, o.log);

    // ------------------------------------------------------------------ market ticks
    const tick = await marketTicks(env, o.contracts, o.ticks, o.log);

    // ------------------------------------------------------------------ single edits
    const editMs = await singleEdits(env, o.contracts, o.edits);
    env.rss.bench = round(process.resourceUsage().maxRSS / 1024);
    const storage = await storageFigures(env, redisAtStart);
    o.log(`storage: database ${storage.databaseMb} MB, Redis state ${storage.redisMb} MB`);

    // ------------------------------------------------------------------ state rebuild
    const rebuild = o.rebuilds ? await stateRebuilds(env, o.rebuilds, o.log) : undefined;

    // ------------------------------------------------------------------ one portfolio at once
    const portfolio = o.portfolio ? await portfolioRecalcs(env, o.contracts, o.portfolio, o.portfolioRuns ?? 10, o.log) : undefined;

    // ------------------------------------------------------------------ verify --all
    const verify = o.verify ? await verifyAll(env, o.contracts, observer, o.log) : undefined;

    const ts = [...tick.tickMs].sort((a, b) => a - b);
    const es = [...editMs].sort((a, b) => a - b);
    o.log(`bench pipeline done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return {
      contracts: o.contracts,
      rows,
      full: { seconds: round(full.seconds, 2), contractsPerSecond: Math.round(o.contracts / full.seconds), rowsPerSecond: Math.round(rows / full.seconds), cpuSecondsPer1000: Object.fromEntries(full.cpuPer1000.map(([c, s]) => [c, round(s, 3)])) },
      bulk: { contracts: bulk.contracts, rows: bulk.rows, seconds: round(bulk.ms / 1000, 2), rowsPerSecond: Math.round(bulk.rowsPerSecond) },
      pipelineVsBulk: round(rows / full.seconds / bulk.rowsPerSecond, 3),
      tick: {
        contracts: tick.contracts,
        samples: ts.length,
        p50Ms: Math.round(percentile(ts, 50)),
        p99Ms: Math.round(percentile(ts, 99)),
        maxMs: Math.round(ts[ts.length - 1] ?? NaN),
        // the median tick's stages: ms from the commit to each stage's first and last message
        stagesMs: Object.fromEntries(
          TICK_STAGES.map(([, stage], i) => {
            const first = tick.tickStages.map((s) => s[i].firstMs).filter(Number.isFinite).sort((a, b) => a - b);
            const last = tick.tickStages.map((s) => s[i].lastMs).filter(Number.isFinite).sort((a, b) => a - b);
            return [stage, [Math.round(percentile(first, 50)), Math.round(percentile(last, 50))]];
          }),
        ),
      },
      edit: { samples: es.length, p50Ms: Math.round(percentile(es, 50)), p99Ms: Math.round(percentile(es, 99)), maxMs: Math.round(es[es.length - 1] ?? NaN) },
      portfolio,
      peakRssMb: env.rss,
      storage,
      rebuild,
      verify,
    };
  } finally {
    await closeBenchEnv(env, o.keep, o.log);
  }
}
