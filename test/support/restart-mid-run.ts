// One fault test, many faults: feed a book's contract changes, take a part of the platform down
// once a tenth of the book's results are in the database, keep it down a few seconds, bring it
// back, and demand the end state of invariants 2, 3, 5 and 6 (docs/architecture.md): every contract computed,
// every group committed to its inputs' ends, nothing dead-lettered (nor any batch taken apart
// as if it held poison), the processors running and ready, and the result tables equal to a
// direct engine computation (each seq once).
import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import { expect } from 'vitest';
import type { Admin, Producer } from '../../clients/kafka.js';
import type { ContractRow, MarketDataRow } from '../../db/database.js';
import { demoContracts, demoMarketData } from '../../demo/book.js';
import { pipelineQuiet } from '../../demo/ops.js';
import type { RunningPipeline } from '../../processors/pipeline.js';
import type { Topology } from '../../topology/topology.js';
import { sendContracts } from './cdc-feed.js';
import { expectResultsEqualEngine } from './expected-results.js';
import { eventually } from './pipeline-env.js';
import { expectPipelineSettled, laggingPartitions, retriesSoFar } from './settled.js';

/**
 * The books of a fault test: `n` demo contracts and their market data, and the same contracts
 * with every notional changed (a recompute in which every schedule differs).
 */
export function faultBooks(n: number): { market: MarketDataRow[]; firstBook: ContractRow[]; secondBook: ContractRow[] } {
  const demo = demoContracts(n);
  const firstBook = demo.map((c) => c.row);
  const secondBook = firstBook.map((c) => {
    const terms = JSON.parse(c.terms) as Record<string, string>;
    terms.notionalPrincipal = String(Number(terms.notionalPrincipal) + 1000);
    return { ...c, terms: JSON.stringify(terms) };
  });
  return { market: demoMarketData(demo), firstBook, secondBook };
}

export interface MidRunPipeline {
  admin: Admin;
  topology: Topology;
  pipeline: RunningPipeline;
  /** Produces the CDC feed. */
  producer: Producer;
  /** The result tables' database (it may be the part that goes down). */
  pool: Pool;
  market: readonly MarketDataRow[];
  /** Where the processors log (named in failures). */
  logFile: string;
}

export interface Fault {
  /** For the log lines, e.g. `broker restart test (SIGKILL)`. */
  label: string;
  /** Takes the part down; resolves once it is down, with a detail for the log line. */
  stop(): Promise<string>;
  /** Brings it back; resolves once it answers. */
  start(): Promise<void>;
  /** How long it stays down. */
  downMs: number;
  /** The part's own log, for a failure message. */
  logTail?(): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Feeds `book` (commit positions from `firstLsn`, above every earlier one), applies `fault` mid-run
 * and checks the end state. Returns the retries the runners counted from the stop to the end.
 */
export async function restartMidRun(p: MidRunPipeline, book: readonly ContractRow[], firstLsn: number, fault: Fault): Promise<{ retries: number }> {
  const started = Date.now();
  // results of this run: their version is at least the run's first commit position
  const done = async () => Number((await p.pool.query('SELECT count(*) AS n FROM cashflow_versions WHERE version >= $1', [firstLsn])).rows[0].n);
  await sendContracts(p.producer, p.topology, book, firstLsn);

  const atStop = await eventually('a tenth of the results', async () => {
    const n = await done();
    return n >= book.length / 10 ? n : undefined;
  }, 180_000, 20);
  const retriesBefore = await retriesSoFar(p.pipeline);
  const detail = await fault.stop();
  const downAt = Date.now();
  await sleep(fault.downMs);
  const atStart = await done().catch(() => 'unknown (the database is down)');
  await fault.start();
  process.stderr.write(
    `${fault.label}: ${detail} with ${atStop} of ${book.length} results committed (${atStart} at restart), down ${Date.now() - downAt} ms\n`,
  );
  expect(atStop).toBeLessThan(book.length); // it really went down mid-run

  await eventually('every contract computed', async () => (await done()) >= book.length, 240_000, 500).catch(async (e) => {
    // which group stopped where: a partition behind names the stage that stalled
    const behind = await laggingPartitions(p.admin, p.topology, p.pipeline).catch((err: Error) => [`unknown (${err.message})`]);
    throw new Error(`${(e as Error).message} (${await done()} of ${book.length}); behind: ${behind.join(', ')}; log ${p.logFile}${fault.logTail ? `\n${fault.logTail()}` : ''}`);
  });
  await eventually('the pipeline drained', async () => pipelineQuiet(p.admin, p.topology), 120_000, 300).catch(async (e) => {
    throw new Error(`${(e as Error).message}; behind: ${(await laggingPartitions(p.admin, p.topology, p.pipeline)).join(', ')}; log ${p.logFile}`);
  });
  const retries = (await retriesSoFar(p.pipeline)) - retriesBefore;
  process.stderr.write(`${fault.label}: ${retries} retries since the stop\n`);

  await expectPipelineSettled(p.admin, p.topology, p.pipeline);
  // the fault was retried as a fault: no batch was taken apart in search of poison
  const poisonHunts = readFileSync(p.logFile, 'utf8').split('\n').filter((l) => /"message":"(batch failed, retrying record by record|poison input)"/.test(l));
  expect(poisonHunts, poisonHunts.slice(0, 3).join('\n')).toEqual([]);
  const { rows } = await expectResultsEqualEngine(p.pool, book, p.market);
  process.stderr.write(`${fault.label}: ${book.length} contracts, ${rows} rows checked, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return { retries };
}
