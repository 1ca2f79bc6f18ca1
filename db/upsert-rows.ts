// The rows an upsert of the source-table writers (Database.upsertContracts, upsertPositions,
// upsertMarketData) sends, one per key, the last given winning: one statement may not touch a
// row twice (PostgreSQL's ON CONFLICT refuses to, SQL Server's #temp staging table has the key
// as its primary key). Both twins dedupe alike.
import type { ContractRow, MarketDataRow, PositionRow } from './database.js';

/** The last row per key, in the order each key first appears. */
export function lastBy<T>(rows: readonly T[], key: (r: T) => string): T[] {
  return [...new Map(rows.map((r) => [key(r), r])).values()];
}

/** One row per contract_id. */
export function uniqueContracts(rows: readonly ContractRow[]): ContractRow[] {
  return lastBy(rows, (r) => r.contractId);
}

/** One row per position_id. */
export function uniquePositions(rows: readonly PositionRow[]): PositionRow[] {
  return lastBy(rows, (r) => r.positionId);
}

/** One row per (market_object_code, observed_at). */
export function uniqueMarketData(rows: readonly MarketDataRow[]): MarketDataRow[] {
  return lastBy(rows, (r) => `${r.marketObjectCode}|${r.observedAt}`);
}
