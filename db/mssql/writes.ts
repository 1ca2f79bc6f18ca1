// What the SQL Server twin writes. The sink's results: bulk load into #temp staging tables
// inside one transaction, then one set-based replace guarded by the version rule (TSQL.accept).
// The source-table writers (demo, tests, benchmarks): bulk load, then update-or-insert.
import sql from 'mssql';
import { stagedRows } from '../../wire/mssql-rows.js';
import { decodedSchedule } from '../../wire/schedule.js';
import {
  assertWritableResults,
  latestPerContract,
  stagedVersion,
  type ApplyOutcome,
  type ContractResult,
  type ContractRow,
  type MarketDataRow,
  type PositionRow,
} from '../database.js';
import { ID_LENGTH } from '../schema.js';
import { uniqueContracts, uniqueMarketData, uniquePositions } from '../upsert-rows.js';
import { BULK, bulkInto, type Bulk } from './bulk.js';
import type { MssqlConnection } from './connection.js';
import { TSQL } from './tsql.js';

/** Database.applyResults on SQL Server. */
export async function applyResults(db: MssqlConnection, results: readonly ContractResult[]): Promise<ApplyOutcome> {
  if (results.length === 0) return { applied: [], skipped: 0, rowsWritten: 0 };
  const batch = results.map(decodedSchedule); // bulk takes objects: events still encoded are decoded once here
  assertWritableResults(batch, { maxIdLength: ID_LENGTH, decodeEvents: true });
  const latest = latestPerContract(batch);
  const versions = latest.map(stagedVersion);
  const rows = latest.flatMap(stagedRows);
  return db.transaction(async (tx) => {
    await new sql.Request(tx).batch(TSQL.staging);
    await bulkInto(tx, BULK.stageVersions, versions);
    await bulkInto(tx, BULK.stageRows, rows);
    await new sql.Request(tx).batch(TSQL.accept);
    const replaced = await new sql.Request(tx).batch(TSQL.replaceRows);
    await new sql.Request(tx).batch(TSQL.dropStaging);
    const applied = (replaced.recordset as { contract_id: string }[]).map((r) => r.contract_id);
    const accepted = new Set(applied);
    const rowsWritten = rows.reduce((n, r) => n + (accepted.has(r.contractId) ? 1 : 0), 0);
    return { applied, skipped: batch.length - applied.length, rowsWritten };
  });
}

/**
 * Stages `rows` in a #temp table (`stage` creates it, `bulk` loads it), then runs `statements`
 * over it, in one transaction; nothing when there are no rows.
 */
async function viaStaging<T>(db: MssqlConnection, rows: readonly T[], stage: string, bulk: Bulk<T>, ...statements: string[]): Promise<void> {
  if (!rows.length) return;
  await db.transaction(async (tx) => {
    await new sql.Request(tx).batch(stage);
    await bulkInto(tx, bulk, rows);
    for (const statement of statements) await new sql.Request(tx).batch(statement);
  });
}

export async function upsertContracts(db: MssqlConnection, rows: readonly ContractRow[]): Promise<void> {
  await viaStaging(db, uniqueContracts(rows), TSQL.stageContracts, BULK.contracts, TSQL.upsertContracts);
}

export async function deleteContracts(db: MssqlConnection, contractIds: readonly string[]): Promise<void> {
  await viaStaging(db, [...new Set(contractIds)], TSQL.idsTable, BULK.ids, TSQL.deleteContracts, 'DROP TABLE #cf_ids');
}

export async function upsertPositions(db: MssqlConnection, rows: readonly PositionRow[]): Promise<void> {
  await viaStaging(db, uniquePositions(rows), TSQL.stagePositions, BULK.positions, TSQL.upsertPositions);
}

export async function upsertMarketData(db: MssqlConnection, rows: readonly MarketDataRow[]): Promise<void> {
  await viaStaging(db, uniqueMarketData(rows), TSQL.stageMarketData, BULK.marketData, TSQL.upsertMarketData);
}
