// `cashflow bench verify --contracts N`: the three figures the target of `cashflow verify --all`
// is made of, measured in one process one after another, and their ratio, so the machine's load
// (shared today) weighs on all of them alike:
//
//   engine alone   the book's contracts computed by the engine (terms parsed, schedules
//                  computed), nothing read or compared: as `bench pipeline --verify` times it
//   read alone     the reads of verify --all (ids, contracts, observed events, the result rows:
//                  the same COPY binary query read to its end and decoded into the same
//                  columns, db/cashflow-columns.ts), page after page as Verification reads
//                  them, nothing computed or compared (readAll); the market data, a few series
//                  read once, is left out
//   verify --all   processors/verify-run.ts on the database, as `cashflow verify --all` runs it
//   ratio          verify / (2 × engine + read): the target is ≤ 1 (bench/README.md)
//
// The database is the one a pipeline run leaves (bench/pipeline.ts with one tick and one edit):
// the same book and market data in the source tables, and in the result tables what the
// calculator computes for them (its computeEncoded, as it publishes) written by the sink's own
// Database.applyResults in batches of the calculator's size, in contract order as `recalc --all`
// requests them. No Kafka, Debezium or Redis: filling 160,000 contracts takes minutes instead of
// a pipeline run, and a kept database (--keep) is reused by the next run. `--database` times an
// existing database instead (e.g. one `bench pipeline --keep` left), read only.
import type pg from 'pg';
import { loadConfig } from '../config/config.js';
import type { ContractRow, Database, MarketDataRow } from '../db/database.js';
import { dropDatabase, PostgresDatabase, standaloneClient } from '../db/postgres/index.js';
import * as ops from '../demo/ops.js';
import { computeEncoded, prepareStored } from '../processors/calculator.js';
import { mismatchCount, seriesOf, storedContractOf } from '../processors/verification.js';
import { readAll, Verification } from '../processors/verify-run.js';
import type { StoredContract } from '../state/model.js';
import type { Schedule } from '../wire/schedule.js';
import { benchContract, benchMarketData, engineAloneSeconds, flatObserver, TICK_CODE, TICK_CONTRACTS } from './pipeline-book.js';
import { cpuTicksOf } from './process-stats.js';

export interface VerifyBenchOptions {
  contracts: number;
  /** An existing database to time (read only: nothing filled or dropped). */
  database?: string;
  /** Keep the bench's own database for the next run (it is reused when it holds the book). */
  keep: boolean;
  /** Timed rounds of read alone + verify --all (the engine alone is timed once per round too). */
  rounds: number;
  pageSize: number;
  log: (line: string) => void;
}

export interface VerifyBenchRound {
  engineAloneSeconds: number;
  readSeconds: number;
  /** CPU seconds of this process (user + system) during the read alone. */
  readCpuSeconds: number;
  verifySeconds: number;
  verifyCpuSeconds: number;
  /** Verification's own split: time waiting for the database, time computing and comparing. */
  verifyWaitSeconds: number;
  verifyComputeSeconds: number;
  /** verify / (2 × engine alone + read alone). */
  ratio: number;
  engineCpuSeconds: number;
  /** CPU seconds of the PostgreSQL server processes serving this bench's connections. */
  readServerCpuSeconds: number;
  verifyServerCpuSeconds: number;
  /** The ratio in CPU seconds (this process + its server processes): steadier than the wall clock on a loaded machine. */
  cpuRatio: number;
}

export interface VerifyBenchResult {
  database: string;
  contracts: number;
  rows: number;
  mismatching: number;
  /** Seconds to fill the database (absent when it was reused or given). */
  fillSeconds?: number;
  rounds: VerifyBenchRound[];
  peakRssMb: number;
}

/** The book's contracts rows: those of a pipeline run after one edit (`bench pipeline --edits 1`). */
export function verifyBenchContracts(from: number, to: number, contracts: number): ContractRow[] {
  const rows: ContractRow[] = [];
  for (let i = from; i < to; i++) {
    const c = benchContract(i, Math.min(TICK_CONTRACTS, contracts));
    // the pipeline bench's first edit: contract 1,000's notional + 1
    if (i === Math.min(contracts - 1, TICK_CONTRACTS)) c.terms.notionalPrincipal = String(Number(c.terms.notionalPrincipal) + 1);
    rows.push({ contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms) });
  }
  return rows;
}

/** The market data of a pipeline run with one tick: the book's flat series, BENCH.TICK and its first tick, the CDC probe. */
export function verifyBenchMarketData(contracts: number): MarketDataRow[] {
  return [
    ...benchMarketData(contracts),
    { marketObjectCode: TICK_CODE, observedAt: '2019-01-01T00:00:00', value: 0.03 },
    { marketObjectCode: 'BENCH.PROBE', observedAt: '2000-01-01T00:00:00', value: 0 },
  ];
}

const BENCH_APPLICATION = 'cashflow-bench-verify';

/**
 * CPU ticks (user + system, /proc: Linux, the server on this machine) of each PostgreSQL
 * process serving this bench's pool. A connection that ends within a pass loses its share
 * (the pool keeps busy connections; a pass reads page after page).
 */
async function serverCpu(sql: pg.Client): Promise<Map<number, number>> {
  const pids = (await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [BENCH_APPLICATION])).rows;
  const ticks = new Map<number, number>();
  for (const { pid } of pids) {
    const t = cpuTicksOf(pid);
    if (t !== undefined) ticks.set(pid, t); // a server elsewhere (or gone): not counted
  }
  return ticks;
}

/** Seconds of server CPU between two serverCpu readings (USER_HZ 100). */
function serverCpuSince(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks / 100;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

export async function runVerifyBench(o: VerifyBenchOptions): Promise<VerifyBenchResult> {
  const own = o.database === undefined;
  const dbName = o.database ?? `cashflow_bench_verify_${o.contracts}`;
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cashflow');
  url.pathname = `/${dbName}`;
  process.env.DATABASE_DIALECT = 'postgres';
  process.env.DATABASE_URL = url.toString();
  const config = loadConfig();
  const db = new PostgresDatabase(config.database.url, { max: 4, applicationName: BENCH_APPLICATION });
  let sql: pg.Client | undefined;
  let fillSeconds: number | undefined;
  try {
    if (own) await db.migrate({ publication: 'cashflow_bench_verify' });
    sql = standaloneClient(config.database.url);
    await sql.connect();
    if (own) {
      const held = (await sql.query<{ contracts: string; versions: string }>(
        'SELECT (SELECT count(*) FROM contracts) AS contracts, (SELECT count(*) FROM cashflow_versions) AS versions',
      )).rows;
      if (Number(held[0].contracts) === o.contracts && Number(held[0].versions) === o.contracts) o.log(`database ${dbName}: reused (holds the book)`);
      else {
        const t = performance.now();
        await fillVerifyBench(db, sql, o.contracts, config.horizon, o.log);
        fillSeconds = round((performance.now() - t) / 1000, 1);
        o.log(`database ${dbName}: filled in ${fillSeconds} s`);
      }
      // the planner's statistics, as a pipeline database has them once autovacuum has run
      await sql.query('ANALYZE');
    }
    const [{ rows: rowCount }] = (await sql.query<{ rows: string }>('SELECT coalesce(sum(event_count), 0) AS rows FROM cashflow_versions')).rows;
    const rows = Number(rowCount);

    // one untimed read first: the database's pages come from the OS cache in every timed pass
    o.log('warm-up: read alone');
    await readAll(db, o.pageSize);
    const observer = flatObserver(benchMarketData(o.contracts));
    const rounds: VerifyBenchRound[] = [];
    let mismatching = 0;
    for (let k = 0; k < o.rounds; k++) {
      const e0 = process.cpuUsage();
      const engine = engineAloneSeconds(o.contracts, observer);
      const engineCpu = cpuSeconds(e0);
      let c0 = process.cpuUsage();
      let s0 = await serverCpu(sql);
      let t0 = performance.now();
      await readAll(db, o.pageSize);
      const read = (performance.now() - t0) / 1000;
      const readCpu = cpuSeconds(c0);
      const readServerCpu = serverCpuSince(s0, await serverCpu(sql));
      const bar = await ops.progressBar('verify --all', o.contracts, 'contracts');
      const v = new Verification(db, { horizon: config.horizon, pageSize: o.pageSize, onPage: (c) => bar.update(c.checked, Math.max(o.contracts, c.checked)) });
      c0 = process.cpuUsage();
      s0 = await serverCpu(sql);
      t0 = performance.now();
      await v.all();
      const verify = (performance.now() - t0) / 1000;
      const verifyCpu = cpuSeconds(c0);
      const verifyServerCpu = serverCpuSince(s0, await serverCpu(sql));
      bar.stop();
      const r = v.report();
      mismatching = mismatchCount(r.counts);
      if (r.counts.rows !== rows) throw new Error(`verify --all compared ${r.counts.rows} rows, the database holds ${rows}`);
      const figures: VerifyBenchRound = {
        engineAloneSeconds: round(engine),
        readSeconds: round(read),
        readCpuSeconds: round(readCpu),
        verifySeconds: round(verify),
        verifyCpuSeconds: round(verifyCpu),
        verifyWaitSeconds: round(r.readSeconds),
        verifyComputeSeconds: round(r.computeSeconds),
        ratio: round(verify / (2 * engine + read), 3),
        engineCpuSeconds: round(engineCpu),
        readServerCpuSeconds: round(readServerCpu),
        verifyServerCpuSeconds: round(verifyServerCpu),
        cpuRatio: round((verifyCpu + verifyServerCpu) / (2 * engineCpu + readCpu + readServerCpu), 3),
      };
      rounds.push(figures);
      o.log(
        `round ${k + 1}: engine alone ${figures.engineAloneSeconds} s, read alone ${figures.readSeconds} s (CPU ${figures.readCpuSeconds} s), ` +
          `verify --all ${figures.verifySeconds} s (CPU ${figures.verifyCpuSeconds} s; waiting ${figures.verifyWaitSeconds} s, computing ${figures.verifyComputeSeconds} s), ` +
          `${mismatching} wrong: ratio ${figures.ratio}; ` +
          `CPU with the server's (${figures.readServerCpuSeconds} s reading, ${figures.verifyServerCpuSeconds} s verifying): ratio ${figures.cpuRatio}`,
      );
    }
    return { database: dbName, contracts: o.contracts, rows, mismatching, fillSeconds, rounds, peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1) };
  } finally {
    ops.stopAllBars();
    await sql?.end().catch(() => {});
    await db.close().catch(() => {});
    if (own && !o.keep) {
      const server = new URL(config.database.url);
      server.pathname = '/postgres';
      await dropDatabase(server.toString(), dbName).catch((e) => o.log(`cleanup database: ${(e as Error).message}`));
    } else if (own) o.log(`kept: database ${dbName}`);
  }
}

/**
 * Fills an empty bench database: the book's market data and contracts, and for every contract
 * what the calculator publishes (computeEncoded from the contract as contract-ingest stores the
 * row) written through the sink's Database.applyResults, 1,000 contracts a batch in id order.
 */
async function fillVerifyBench(db: Database, sql: pg.Client, contracts: number, horizon: string, log: (line: string) => void): Promise<void> {
  await sql.query('TRUNCATE contracts, observed_events, market_data, contract_cashflows, cashflow_versions');
  const marketData = verifyBenchMarketData(contracts);
  await db.upsertMarketData(marketData);
  const series = seriesOf(marketData);
  const none = new Map<string, StoredContract>();
  const bar = await ops.progressBar('filling', contracts, 'contracts');
  let rows = 0;
  for (let i = 0; i < contracts; i += 1000) {
    const batch = verifyBenchContracts(i, Math.min(contracts, i + 1000), contracts);
    await db.upsertContracts(batch);
    const results: Schedule[] = batch.map((row) => {
      const r = computeEncoded(prepareStored(storedContractOf(row)), series, none, horizon);
      return {
        contractId: row.contractId,
        contractType: r.contractType,
        version: 1,
        fingerprint: 'encoded' in r ? r.encoded.fingerprint : r.fingerprint,
        status: r.status,
        reason: r.reason,
        computedAt: '2026-01-01T00:00:00',
        events: 'encoded' in r ? { bytes: r.encoded.bytes, count: r.encoded.count } : r.events,
        jobId: null,
        requestedAtMs: null,
      };
    });
    rows += (await db.applyResults(results)).rowsWritten;
    bar.update(Math.min(contracts, i + 1000));
  }
  bar.stop();
  log(`filled: ${contracts} contracts, ${rows} rows`);
}
