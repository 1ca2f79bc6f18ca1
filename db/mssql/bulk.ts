// Bulk loads into the #temp tables of tsql.ts: each table's columns as the driver declares them,
// the values checked before they are sent (the server's refusals name neither row nor value).
// Temp tables live per connection, so they are loaded on the transaction's connection.
import sql from 'mssql';
import type { CashflowRow, ContractRow, MarketDataRow, PositionRow, StagedVersion } from '../database.js';
import { ID_LENGTH } from '../schema.js';
import { utc } from './connection.js';

const BULK_CHUNK = 10_000;

export type BulkColumn<T> = [
  name: string,
  type: sql.ISqlType | (() => sql.ISqlType),
  nullable: boolean,
  value: (row: T) => unknown,
];

/** A #temp table and its bulk columns. */
export interface Bulk<T> {
  table: string;
  columns: readonly BulkColumn<T>[];
}

/**
 * The bulk columns of each #temp table, in the DDL's order (TSQL, tsql.ts): name, type, nullable,
 * value. db/mssql/tsql.test.ts checks each against its CREATE TABLE (names, types, lengths,
 * nullability), as the server would when the bulk load starts.
 */
export const BULK = {
  stageVersions: { table: '#cf_stage_versions', columns: [
    ['contract_id', sql.NVarChar(ID_LENGTH), false, (v) => v.contractId],
    ['version', sql.BigInt, false, (v) => v.version],
    ['fingerprint', sql.NVarChar(100), true, (v) => v.fingerprint],
    ['event_count', sql.Int, false, (v) => v.eventCount],
    ['status', sql.NVarChar(20), false, (v) => v.status],
    ['reason', sql.NVarChar(sql.MAX), true, (v) => v.reason],
    ['computed_at', sql.DateTime2, true, (v) => (v.computedAt ? utc(v.computedAt) : null)],
  ] as BulkColumn<StagedVersion>[] },
  stageRows: { table: '#cf_stage_rows', columns: [
    ['contract_id', sql.NVarChar(ID_LENGTH), false, (r) => r.contractId],
    ['seq', sql.Int, false, (r) => r.seq],
    ['event_date', sql.DateTime2, false, (r) => utc(r.eventDate)],
    ['event_type', sql.NVarChar(20), false, (r) => r.eventType],
    ['currency', sql.NVarChar(20), true, (r) => r.currency],
    ['payoff', sql.Float, false, (r) => r.payoff],
    ['notional_principal', sql.Float, true, (r) => r.notionalPrincipal],
    ['nominal_interest_rate', sql.Float, true, (r) => r.nominalInterestRate],
    ['accrued_interest', sql.Float, true, (r) => r.accruedInterest],
    ['version', sql.BigInt, false, (r) => r.version],
  ] as BulkColumn<CashflowRow>[] },
  contracts: { table: '#cf_contracts', columns: [
    ['contract_id', sql.NVarChar(ID_LENGTH), false, (r) => r.contractId],
    ['contract_type', sql.NVarChar(20), false, (r) => r.contractType],
    ['terms', sql.NVarChar(sql.MAX), false, (r) => r.terms],
  ] as BulkColumn<ContractRow>[] },
  ids: { table: '#cf_ids', columns: [['contract_id', sql.NVarChar(ID_LENGTH), false, (id) => id]] as BulkColumn<string>[] },
  // the verification reads' market object codes (TSQL.codesTable)
  codes: { table: '#cf_codes', columns: [['market_object_code', sql.NVarChar(ID_LENGTH), false, (c) => c]] as BulkColumn<string>[] },
  positions: { table: '#cf_positions', columns: [
    ['position_id', sql.NVarChar(ID_LENGTH), false, (r) => r.positionId],
    ['portfolio_id', sql.NVarChar(ID_LENGTH), false, (r) => r.portfolioId],
    ['contract_id', sql.NVarChar(ID_LENGTH), false, (r) => r.contractId],
    ['quantity', sql.Float, false, (r) => r.quantity],
  ] as BulkColumn<PositionRow>[] },
  marketData: { table: '#cf_market_data', columns: [
    ['market_object_code', sql.NVarChar(ID_LENGTH), false, (r) => r.marketObjectCode],
    ['observed_at', sql.DateTime2, false, (r) => utc(r.observedAt)],
    ['value', sql.Float, false, (r) => r.value],
  ] as BulkColumn<MarketDataRow>[] },
} as const;

/** Bulk-loads rows into an existing #temp table, in chunks (bulk has no request timeout). */
export async function bulkInto<T>(tx: sql.Transaction, { table, columns }: Bulk<T>, rows: readonly T[]): Promise<void> {
  assertBulkValues(table, columns, rows);
  for (let start = 0; start < rows.length; start += BULK_CHUNK) {
    const t = new sql.Table(table);
    t.create = false;
    for (const [name, type, nullable] of columns) t.columns.add(name, type, { nullable });
    for (const row of rows.slice(start, start + BULK_CHUNK)) {
      t.rows.add(
        ...(columns.map(([, , , value]) => value(row)) as (
          string | number | boolean | Date | Buffer | null
        )[]),
      );
    }
    await new sql.Request(tx).bulk(t);
  }
}

/**
 * A value the bulk load would refuse, named before it is sent: a string longer than its
 * nvarchar(n) column (Msg 4815, which names neither the row nor the value) or a non-finite
 * float ("Invalid number.", for the whole batch).
 */
export class BulkValueError extends RangeError {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly problem: string,
  ) {
    super(`${table}.${column}: ${problem}`);
    this.name = 'BulkValueError';
  }
}

export function assertBulkValues<T>(table: string, columns: readonly BulkColumn<T>[], rows: readonly T[]): void {
  for (const [name, type, nullable, value] of columns) {
    const t = (typeof type === 'function' ? type() : type) as sql.ISqlType & { length?: number };
    const maxLength = t.type === sql.NVarChar && typeof t.length === 'number' && t.length !== sql.MAX ? t.length : undefined;
    const isFloat = t.type === sql.Float;
    if (maxLength === undefined && !isFloat && nullable) continue;
    for (const row of rows) {
      const v = value(row);
      if (v === null || v === undefined) {
        if (!nullable) throw new BulkValueError(table, name, 'null in a NOT NULL column');
      } else if (maxLength !== undefined && typeof v === 'string' && v.length > maxLength) {
        throw new BulkValueError(table, name, `${JSON.stringify(v.slice(0, 40))}… has ${v.length} characters, the column holds ${maxLength}`);
      } else if (isFloat && !Number.isFinite(v)) {
        throw new BulkValueError(table, name, `${String(v)} is not a finite number`);
      }
    }
  }
}
