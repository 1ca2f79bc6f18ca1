// The progress of a first start against a database that already holds its book (`cashflow start
// --wait`, `cashflow bench cold-start`): Debezium's initial snapshot puts every source row on its
// CDC topic, then ingest, impact, calculator and sink give every contract its result. Two
// figures tell how far it is: the rows snapshotted (the CDC topics' end offsets against the
// source tables' row counts) and the contracts computed (cashflow_versions rows against
// contracts). Reading both is a handful of offset requests and two count(*)s per poll.
import type { Admin } from '../clients/kafka.js';
import type { Query } from '../db/open.js';
import { progressBar, topicEnds, type Progress } from '../demo/ops.js';
import type { Topology } from '../topology/topology.js';

export interface ColdStartStatus {
  /** Rows of the source tables (contracts, positions, market_data, observed_events). */
  sourceRows: number;
  /** Messages on their CDC topics (an initial snapshot writes one per row). */
  snapshotted: number;
  contracts: number;
  /** Contracts with a result (rows of cashflow_versions). */
  computed: number;
}

/** The snapshot is done once every source row is on its topic. */
export function snapshotDone(s: ColdStartStatus): boolean {
  return s.snapshotted >= s.sourceRows;
}

/** Done once the snapshot is and every contract has its result. */
export function coldStartDone(s: ColdStartStatus): boolean {
  return snapshotDone(s) && s.computed >= s.contracts;
}

const count = async (q: Query, table: string): Promise<number> => Number((await q(`SELECT count(*) AS n FROM ${table}`, []))[0]?.n ?? 0);

/** The figures now: source tables and results by count(*), CDC topics by their end offsets. */
export async function readColdStart(admin: Admin, topology: Topology, q: Query): Promise<ColdStartStatus> {
  let sourceRows = 0;
  let snapshotted = 0;
  for (const t of topology.topics) {
    if (t.value.format !== 'debezium-json') continue;
    sourceRows += await count(q, t.value.table);
    // a topic Debezium has not created yet has no offsets
    const ends = await topicEnds(admin, t.name).catch(() => new Map<number, bigint>());
    for (const end of ends.values()) snapshotted += Number(end);
  }
  return { sourceRows, snapshotted, contracts: await count(q, 'contracts'), computed: await count(q, 'cashflow_versions') };
}

export interface ColdStartTimes {
  /** Seconds from the start of the watch to the snapshot's end, and to every contract's result. */
  snapshotSeconds: number;
  seconds: number;
  status: ColdStartStatus;
}

/**
 * Polls until every source row is snapshotted and every contract computed, with two progress
 * bars on stderr (rows snapshotted, contracts computed: rate and ETA). `onPoll` runs after each
 * read (the bench samples peak RSS there, and throws to stop on Ctrl-C).
 */
export async function watchColdStart(
  admin: Admin,
  topology: Topology,
  q: Query,
  options: { pollMs?: number; timeoutMs?: number; onPoll?: (s: ColdStartStatus) => Promise<void> | void; bars?: boolean } = {},
): Promise<ColdStartTimes> {
  const t0 = performance.now();
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  let snapshotSeconds: number | undefined;
  let rowsBar: Progress | undefined;
  let contractsBar: Progress | undefined;
  try {
    for (;;) {
      const s = await readColdStart(admin, topology, q);
      if (options.bars !== false) {
        rowsBar ??= await progressBar('rows snapshotted', s.sourceRows, 'rows');
        if (snapshotSeconds === undefined) rowsBar.update(Math.min(s.snapshotted, s.sourceRows), s.sourceRows);
        contractsBar ??= await progressBar('contracts computed', s.contracts, 'contracts');
        contractsBar.update(Math.min(s.computed, s.contracts), s.contracts);
      }
      if (snapshotSeconds === undefined && snapshotDone(s)) {
        snapshotSeconds = (performance.now() - t0) / 1000;
        rowsBar?.stop();
      }
      await options.onPoll?.(s);
      if (coldStartDone(s)) return { snapshotSeconds: snapshotSeconds ?? 0, seconds: (performance.now() - t0) / 1000, status: s };
      if (Date.now() > deadline) throw new Error(`cold start: ${s.snapshotted}/${s.sourceRows} rows snapshotted, ${s.computed}/${s.contracts} contracts computed after ${Math.round((performance.now() - t0) / 1000)} s`);
      // two count(*)s on tables the sink writes: once a second is little beside the pipeline
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  } finally {
    rowsBar?.stop();
    contractsBar?.stop();
  }
}
