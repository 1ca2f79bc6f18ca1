// Writes of the source tables (contracts, positions, market_data): what the demo, the chaos run and
// the tests load, which the source connector then captures. One upsert statement per batch,
// one row per key (db/upsert-rows.ts).
import type { ContractRow, MarketDataRow, PositionRow } from '../database.js';
import { uniqueContracts, uniqueMarketData, uniquePositions } from '../upsert-rows.js';
import type { PostgresPool } from './connection.js';

export async function upsertContracts(db: PostgresPool, rows: readonly ContractRow[]): Promise<void> {
  const unique = uniqueContracts(rows);
  if (!unique.length) return;
  await db.query(
    `INSERT INTO contracts (contract_id, contract_type, terms, updated_at)
     SELECT id, type, terms, now() AT TIME ZONE 'UTC' FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, type, terms)
     ON CONFLICT (contract_id) DO UPDATE
       SET contract_type = EXCLUDED.contract_type, terms = EXCLUDED.terms, updated_at = EXCLUDED.updated_at`,
    [unique.map((r) => r.contractId), unique.map((r) => r.contractType), unique.map((r) => r.terms)],
  );
}

export async function deleteContracts(db: PostgresPool, contractIds: readonly string[]): Promise<void> {
  if (!contractIds.length) return;
  await db.query('DELETE FROM contracts WHERE contract_id = ANY($1::text[])', [contractIds]);
}

export async function upsertPositions(db: PostgresPool, rows: readonly PositionRow[]): Promise<void> {
  const unique = uniquePositions(rows);
  if (!unique.length) return;
  await db.query(
    `INSERT INTO positions (position_id, portfolio_id, contract_id, quantity)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::double precision[])
     ON CONFLICT (position_id) DO UPDATE SET portfolio_id = EXCLUDED.portfolio_id,
       contract_id = EXCLUDED.contract_id, quantity = EXCLUDED.quantity`,
    [
      unique.map((r) => r.positionId),
      unique.map((r) => r.portfolioId),
      unique.map((r) => r.contractId),
      unique.map((r) => r.quantity),
    ],
  );
}

export async function upsertMarketData(db: PostgresPool, rows: readonly MarketDataRow[]): Promise<void> {
  const unique = uniqueMarketData(rows);
  if (!unique.length) return;
  await db.query(
    `INSERT INTO market_data (market_object_code, observed_at, value)
     SELECT * FROM unnest($1::text[], $2::timestamp[], $3::double precision[])
     ON CONFLICT (market_object_code, observed_at) DO UPDATE SET value = EXCLUDED.value`,
    [unique.map((r) => r.marketObjectCode), unique.map((r) => r.observedAt), unique.map((r) => r.value)],
  );
}
