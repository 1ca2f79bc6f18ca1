// `cashflow bench table`: what a design of contract_cashflows' key and index costs the sink's
// write (Database.applyResults), on a scratch database per design holding a book of results.
//
// For each design: the schema migrated, the table's key replaced by the design's, the book's
// results written (--contracts, ~83 rows each, the schedules of the pipeline bench's first
// contracts round robin, timed: the first computation's write, into an empty table), VACUUM
// ANALYZE and a CHECKPOINT; then
//   tick   --ticks replaces of 1,000 contracts picked at random (a new version each), timed
//          one by one: wall ms, CPU of every PostgreSQL process, WAL bytes (p50/p99);
//   full   the first 20,000 contracts replaced in batches of 1,000 in id order, as a full
//          recompute writes them: rows/s.
// The figures and what they decided are in docs/operations.md "The result table's key" and
// bench/README.md.
import type pg from 'pg';
import { loadConfig } from '../config/config.js';
import { dropDatabase, PostgresDatabase, standaloneClient } from '../db/postgres/index.js';
import * as ops from '../demo/ops.js';
import { computeEncoded, prepareStored } from '../processors/calculator.js';
import { seriesOf, storedContractOf } from '../processors/verification.js';
import type { Schedule } from '../wire/schedule.js';
import { benchContract, percentile } from './pipeline-book.js';
import { cpuTicksOf } from './process-stats.js';
import { verifyBenchContracts, verifyBenchMarketData } from './verify.js';

/** A key or index of contract_cashflows, as the statements that make it after the migrations. */
export interface TableDesign {
  name: string;
  description: string;
  ddl: string[];
}

const DROP_KEY = 'ALTER TABLE contract_cashflows DROP CONSTRAINT contract_cashflows_pkey';

export const TABLE_DESIGNS: readonly TableDesign[] = [
  {
    name: 'seq-key',
    description: 'PRIMARY KEY (contract_id, seq): the key before migration 003',
    ddl: [DROP_KEY, 'ALTER TABLE contract_cashflows ADD PRIMARY KEY (contract_id, seq)'],
  },
  {
    name: 'version-key',
    description: 'PRIMARY KEY (contract_id, version, seq): the key of migration 003',
    ddl: [],
  },
  {
    name: 'id-index',
    description: 'no key, a plain index on contract_id (deduplicated): the floor of an index the reads need',
    ddl: [DROP_KEY, 'CREATE INDEX contract_cashflows_id ON contract_cashflows (contract_id)'],
  },
];

export interface TableDesignFigures {
  design: string;
  description: string;
  rows: number;
  tableMb: number;
  indexMb: number;
  /** The book written into the empty table (a first computation: no old rows). */
  write: { rowsPerSecond: number };
  tick: { p50Ms: number; p99Ms: number; postgresCpuMs: number; walMb: number };
  /** Contracts that have rows replaced in id order (a recompute of a book already computed). */
  full: { contracts: number; rows: number; seconds: number; rowsPerSecond: number };
}

export interface TableBenchOptions {
  contracts: number;
  ticks: number;
  designs: readonly string[];
  log: (line: string) => void;
}

const TEMPLATES = 50;
const TICK = 1000;
const FULL = 20_000;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Results of the contracts numbered `ids` at `version`: the templates' schedules under the contracts' ids. */
function resultsOf(templates: readonly Schedule[], ids: readonly number[], version: number): Schedule[] {
  return ids.map((i) => ({ ...templates[i % templates.length]!, contractId: benchContract(i).id, version }));
}

/** CPU ticks of every PostgreSQL process the server lists (backends and background workers). */
async function postgresCpu(sql: pg.Client): Promise<number> {
  const pids = (await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity')).rows;
  let ticks = 0;
  for (const { pid } of pids) ticks += cpuTicksOf(pid) ?? 0;
  return ticks;
}

async function walLsn(sql: pg.Client): Promise<string> {
  return (await sql.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn() AS lsn')).rows[0]!.lsn;
}

async function walBytes(sql: pg.Client, from: string): Promise<number> {
  return Number((await sql.query<{ d: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1) AS d', [from])).rows[0]!.d);
}

/** The schedules every design writes: the pipeline bench's first contracts as the calculator publishes them. */
function templates(horizon: string): Schedule[] {
  const series = seriesOf(verifyBenchMarketData(TEMPLATES));
  return verifyBenchContracts(0, TEMPLATES, TEMPLATES).map((row) => {
    const r = computeEncoded(prepareStored(storedContractOf(row)), series, new Map(), horizon);
    if (!('encoded' in r)) throw new Error(`bench table: template ${row.contractId} did not compute (${r.reason})`);
    return {
      contractId: row.contractId,
      contractType: r.contractType,
      version: 1,
      fingerprint: r.encoded.fingerprint,
      status: r.status,
      reason: r.reason,
      computedAt: '2026-01-01T00:00:00',
      events: { bytes: r.encoded.bytes, count: r.encoded.count },
      jobId: null,
      requestedAtMs: null,
    };
  });
}

async function measureDesign(design: TableDesign, schedules: readonly Schedule[], o: TableBenchOptions): Promise<TableDesignFigures> {
  const dbName = `cashflow_bench_table_${design.name.replace(/-/g, '_')}`;
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cashflow');
  url.pathname = `/${dbName}`;
  await dropDatabase(url.toString(), dbName);
  const db = new PostgresDatabase(url.toString(), { max: 2, applicationName: 'cashflow-bench-table' });
  const sql = standaloneClient(url.toString());
  try {
    await db.migrate({ publication: `cashflow_bench_table_${design.name.replace(/-/g, '_')}` });
    await sql.connect();
    for (const statement of design.ddl) await sql.query(statement);
    const bar = await ops.progressBar(`${design.name}: writing the book`, o.contracts, 'contracts');
    let rows = 0;
    const w0 = performance.now();
    for (let i = 0; i < o.contracts; i += TICK) {
      const ids = Array.from({ length: Math.min(TICK, o.contracts - i) }, (_, k) => i + k);
      rows += (await db.applyResults(resultsOf(schedules, ids, 1))).rowsWritten;
      bar.update(Math.min(o.contracts, i + TICK));
    }
    bar.stop();
    const writeSeconds = (performance.now() - w0) / 1000;
    await sql.query('VACUUM ANALYZE contract_cashflows');
    await sql.query('VACUUM ANALYZE cashflow_versions');
    const size = (await sql.query<{ i: string; h: string }>(
      `SELECT pg_indexes_size('contract_cashflows') AS i, pg_relation_size('contract_cashflows') AS h`,
    )).rows[0]!;
    await sql.query('CHECKPOINT');

    // ticks: 1,000 contracts at random (a fixed sequence, the same for every design)
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const ms: number[] = [];
    const cpu: number[] = [];
    const wal: number[] = [];
    let version = 1;
    for (let t = 0; t < o.ticks; t++) {
      const ids = [...new Set(Array.from({ length: TICK }, () => Math.floor(random() * o.contracts)))].sort((a, b) => a - b);
      const batch = resultsOf(schedules, ids, ++version);
      const lsn = await walLsn(sql);
      const c0 = await postgresCpu(sql);
      const t0 = performance.now();
      await db.applyResults(batch);
      ms.push(performance.now() - t0);
      cpu.push(((await postgresCpu(sql)) - c0) * 10);
      wal.push(await walBytes(sql, lsn));
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

    // a full recompute's write: the first contracts in id order, batches of 1,000
    const full = Math.min(FULL, o.contracts);
    ++version;
    let fullRows = 0;
    const f0 = performance.now();
    for (let i = 0; i < full; i += TICK) {
      const ids = Array.from({ length: Math.min(TICK, full - i) }, (_, k) => i + k);
      fullRows += (await db.applyResults(resultsOf(schedules, ids, version))).rowsWritten;
    }
    const fullSeconds = (performance.now() - f0) / 1000;
    const figures: TableDesignFigures = {
      design: design.name,
      description: design.description,
      rows,
      tableMb: Math.round(Number(size.h) / 1048576),
      indexMb: Math.round(Number(size.i) / 1048576),
      write: { rowsPerSecond: Math.round(rows / writeSeconds) },
      tick: {
        p50Ms: Math.round(percentile(sorted(ms), 50)),
        p99Ms: Math.round(percentile(sorted(ms), 99)),
        postgresCpuMs: Math.round(percentile(sorted(cpu), 50)),
        walMb: round(percentile(sorted(wal), 50) / 1048576),
      },
      full: { contracts: full, rows: fullRows, seconds: round(fullSeconds, 2), rowsPerSecond: Math.round(fullRows / fullSeconds) },
    };
    o.log(
      `${design.name}: tick p50 ${figures.tick.p50Ms} ms, p99 ${figures.tick.p99Ms} ms, PostgreSQL CPU ${figures.tick.postgresCpuMs} ms, WAL ${figures.tick.walMb} MB; ` +
        `first write ${figures.write.rowsPerSecond} rows/s, full recompute ${figures.full.rowsPerSecond} rows/s; heap ${figures.tableMb} MB, indexes ${figures.indexMb} MB`,
    );
    return figures;
  } finally {
    await sql.end().catch(() => {});
    await db.close().catch(() => {});
    await dropDatabase(url.toString(), dbName).catch((e) => o.log(`cleanup database ${dbName}: ${(e as Error).message}`));
  }
}

export async function runTableBench(o: TableBenchOptions): Promise<TableDesignFigures[]> {
  const designs = o.designs.map((name) => {
    const d = TABLE_DESIGNS.find((x) => x.name === name);
    if (!d) throw new Error(`bench table: no design ${name} (${TABLE_DESIGNS.map((x) => x.name).join(', ')})`);
    return d;
  });
  const schedules = templates(loadConfig().horizon);
  const out: TableDesignFigures[] = [];
  for (const d of designs) out.push(await measureDesign(d, schedules, o));
  return out;
}
