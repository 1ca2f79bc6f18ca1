// Change events of the contracts and market_data tables as Debezium's PostgreSQL connector puts
// them on the CDC topics through the stack's JsonConverter (schemas off: docs/operations.md): key = the primary key columns, value = the envelope with `op`,
// `before`, `after` and `source` (`lsn`, `ts_ms`, `table`). For a test whose broker has no
// Connect (a private broker): the ingest processors read these exactly as they read Connect's.
import type { Admin, Producer } from '../../clients/kafka.js';
import type { ContractRow, MarketDataRow } from '../../db/database.js';
import { topicEnds, waitForGroup } from '../../demo/ops.js';
import type { Topology } from '../../topology/topology.js';

interface Change {
  key: Record<string, unknown>;
  after: Record<string, unknown>;
  table: string;
}

function envelope(c: Change, lsn: number, nowMs: number): { key: string; value: string } {
  return {
    key: JSON.stringify(c.key),
    value: JSON.stringify({
      before: null,
      after: c.after,
      source: { connector: 'postgresql', db: 'test', schema: 'public', table: c.table, lsn, ts_ms: nowMs, snapshot: 'false' },
      op: 'c',
      ts_ms: nowMs,
    }),
  };
}

async function send(producer: Producer, topic: string, changes: readonly Change[], firstLsn: number): Promise<number> {
  const now = Date.now();
  for (let i = 0; i < changes.length; i += 5000) {
    const messages = changes.slice(i, i + 5000).map((c, j) => envelope(c, firstLsn + i + j, now));
    await producer.send({ topic, messages });
  }
  return firstLsn + changes.length;
}

/** Inserts of market_data rows, commit positions from `firstLsn` up; returns the next free position. */
export function sendMarketData(producer: Producer, topology: Topology, rows: readonly MarketDataRow[], firstLsn: number): Promise<number> {
  return send(
    producer,
    topology.topic('cdcMarketData').name,
    rows.map((r) => ({
      key: { market_object_code: r.marketObjectCode, observed_at: r.observedAt },
      after: { market_object_code: r.marketObjectCode, observed_at: r.observedAt, value: r.value },
      table: 'market_data',
    })),
    firstLsn,
  );
}

/**
 * Market data first, ingested and indexed before any contract arrives (nothing waits): feeds
 * `rows` and waits until market-ingest and then impact have committed past them.
 */
export async function feedMarketData(producer: Producer, admin: Admin, topology: Topology, rows: readonly MarketDataRow[], firstLsn: number): Promise<number> {
  const next = await sendMarketData(producer, topology, rows, firstLsn);
  for (const [processor, topic] of [['market-ingest', 'cdcMarketData'], ['impact', 'marketObservations']] as const) {
    const name = topology.topic(topic).name;
    await waitForGroup(admin, topology.processor(processor).consumerGroup, name, await topicEnds(admin, name), { timeoutMs: 120_000 });
  }
  return next;
}

/** Inserts (or updates: the ingest reads `after` alone) of contracts rows; returns the next free position. */
export function sendContracts(producer: Producer, topology: Topology, rows: readonly ContractRow[], firstLsn: number): Promise<number> {
  const updatedAt = new Date().toISOString().slice(0, 19);
  return send(
    producer,
    topology.topic('cdcContracts').name,
    rows.map((r) => ({
      key: { contract_id: r.contractId },
      after: { contract_id: r.contractId, contract_type: r.contractType, terms: r.terms, updated_at: updatedAt },
      table: 'contracts',
    })),
    firstLsn,
  );
}
