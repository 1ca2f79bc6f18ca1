// `cashflow bench cold-start --contracts N`: the first start of the product against a database
// that already holds its book, in an environment of its own as `bench pipeline` makes one
// (bench/pipeline-env.ts; all removed at the end unless --keep).
//
//   book     N contracts of the pipeline bench's book and its market data (bench/pipeline-book.ts)
//            committed to the database while nothing runs: no topics, no Redis state, no connector
//   start    as `cashflow start` (platform/processes.ts): topics, schemas, the connector (its
//            initial snapshot), every processor; timed from here until every contract's result is
//            committed (cashflow_versions rows = N), the snapshot's end on the way (the CDC
//            topics' end offsets reach the source row count: platform/cold-start.ts)
//
// Prints seconds, contracts/s, the snapshot's share, peak RSS per process and, with
// --full-seconds S (a `bench pipeline` full recompute of the same book), the ratio to it.
import { startProcessors } from '../platform/processes.js';
import { watchColdStart } from '../platform/cold-start.js';
import { closeBenchEnv, openBenchEnv } from './pipeline-env.js';
import { applyPlatform, writeBook } from './pipeline-load.js';

export interface ColdStartBenchOptions {
  contracts: number;
  calculators: number;
  keep: boolean;
  /** A full recompute's seconds on the same book (bench pipeline), for the ratio. */
  fullSeconds?: number;
  /** First metrics port of the bench's processes (default 9500, after `cashflow start`'s). */
  basePort?: number;
  log: (line: string) => void;
}

export interface ColdStartBenchResult {
  contracts: number;
  /** Source rows snapshotted (contracts and market data). */
  sourceRows: number;
  /** From the connector's creation to every contract's result committed. */
  seconds: number;
  contractsPerSecond: number;
  /** From the connector's creation to every source row on its CDC topic. */
  snapshotSeconds: number;
  snapshotShare: number;
  /** seconds / fullSeconds, when given. */
  vsFullRecompute?: number;
  peakRssMb: Record<string, number>;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export async function runColdStartBench(o: ColdStartBenchOptions): Promise<ColdStartBenchResult> {
  const env = await openBenchEnv({ calculators: o.calculators, basePort: o.basePort });
  try {
    o.log(`environment: database ${env.dbName}, topic prefix ${env.prefix}, Redis prefix ${env.redisPrefix}`);
    await writeBook(env, o.contracts);

    const t0 = performance.now();
    await applyPlatform(env);
    await startProcessors(env.config, { calculators: env.calculators, basePort: env.basePort });
    const started = (performance.now() - t0) / 1000;
    o.log(`platform started (topics, schemas, connector, processors) in ${started.toFixed(1)} s`);
    const watched = await watchColdStart(env.admin, env.topology, env.sql.q, {
      onPoll: async () => {
        env.checkInterrupted();
        await env.sampleRss();
      },
    });
    const seconds = started + watched.seconds;
    const snapshotSeconds = started + watched.snapshotSeconds;
    env.rss.bench = round(process.resourceUsage().maxRSS / 1024);
    const statuses = await env.sql.q('SELECT status, count(*) AS n FROM cashflow_versions GROUP BY status ORDER BY status', []);
    o.log(`cold start: ${o.contracts} contracts (${statuses.map((r) => `${r.status} ${r.n}`).join(', ')}) in ${seconds.toFixed(1)} s`);
    return {
      contracts: o.contracts,
      sourceRows: watched.status.sourceRows,
      seconds: round(seconds, 2),
      contractsPerSecond: Math.round(o.contracts / seconds),
      snapshotSeconds: round(snapshotSeconds, 2),
      snapshotShare: round(snapshotSeconds / seconds, 3),
      vsFullRecompute: o.fullSeconds ? round(seconds / o.fullSeconds, 2) : undefined,
      peakRssMb: env.rss,
    };
  } finally {
    await closeBenchEnv(env, o.keep, o.log);
  }
}
