// What the SQL Server twin reads: results (by contract, versions, portfolios, ladders) and the
// pages of `cashflow verify` (the verifier: processors/verification.ts), statements in TSQL
// (tsql.ts). Without snapshot isolation, storedResults reads its two tables in one transaction
// at READ COMMITTED: a sink commit between the two statements can show a contract as stale or
// differing for that read (the verifier re-checks before it reports).
import sql from 'mssql';
import { CashflowColumns } from '../cashflow-columns.js';
import {
  assertLadderBucket,
  isoSeconds,
  type CashflowRow,
  type CashflowVersion,
  type ContractSelection,
  type DateRange,
  type LadderBucket,
  type LadderRow,
  type MarketDataRow,
  type PositionCashflowRow,
  type SourceContracts,
  type StoredResults,
} from '../database.js';
import { ID_LENGTH } from '../schema.js';
import { BULK, bulkInto } from './bulk.js';
import { utc, type MssqlConnection } from './connection.js';
import { TSQL } from './tsql.js';

/** A contract_cashflows row as the driver returns it (datetime2 as a Date, bigint as a string). */
interface CashflowRecord {
  contract_id: string;
  seq: number;
  event_date: Date;
  event_type: string;
  currency: string | null;
  payoff: number;
  notional_principal: number | null;
  nominal_interest_rate: number | null;
  accrued_interest: number | null;
  version: string | number;
}

function cashflowRow(r: CashflowRecord): CashflowRow {
  return {
    contractId: r.contract_id,
    seq: r.seq,
    eventDate: isoSeconds(r.event_date),
    eventType: r.event_type,
    currency: r.currency,
    payoff: r.payoff,
    notionalPrincipal: r.notional_principal,
    nominalInterestRate: r.nominal_interest_rate,
    accruedInterest: r.accrued_interest,
    version: Number(r.version),
  };
}

export async function contractCashflows(db: MssqlConnection, contractId: string): Promise<CashflowRow[]> {
  return db.read(async (pool) => {
    const r = await pool
      .request()
      .input('contract_id', sql.NVarChar(200), contractId)
      .query<CashflowRecord>(TSQL.contractCashflows);
    return r.recordset.map(cashflowRow);
  });
}

export async function cashflowVersions(db: MssqlConnection, contractIds: readonly string[]): Promise<CashflowVersion[]> {
  if (!contractIds.length) return [];
  return db.read(async (pool) => {
    const r = await pool
      .request()
      .input('ids', sql.NVarChar(sql.MAX), JSON.stringify([...new Set(contractIds)]))
      .query(TSQL.cashflowVersions);
    return r.recordset.map((v) => ({
      contractId: v.contract_id,
      version: Number(v.version),
      fingerprint: v.fingerprint,
      eventCount: v.event_count,
      computedAt: isoSeconds(v.computed_at),
      status: v.status,
      reason: v.reason,
    }));
  });
}

function rangeRequest(pool: sql.ConnectionPool, portfolioId: string, range: DateRange): sql.Request {
  return pool
    .request()
    .input('portfolio_id', sql.NVarChar(200), portfolioId)
    .input('from', sql.DateTime2, range.from ? utc(range.from) : null)
    .input('to', sql.DateTime2, range.to ? utc(range.to) : null);
}

export async function portfolioCashflows(db: MssqlConnection, portfolioId: string, range: DateRange = {}): Promise<PositionCashflowRow[]> {
  return db.read(async (pool) => {
    const r = await rangeRequest(pool, portfolioId, range).query(TSQL.portfolioCashflows);
    return r.recordset.map((row) => ({
      ...cashflowRow(row as CashflowRecord),
      positionId: row.position_id,
      portfolioId: row.portfolio_id,
      quantity: row.quantity,
    }));
  });
}

export async function cashflowLadder(db: MssqlConnection, portfolioId: string, bucket: LadderBucket, range: DateRange = {}): Promise<LadderRow[]> {
  assertLadderBucket(bucket);
  return db.read(async (pool) => {
    const r = await rangeRequest(pool, portfolioId, range).query<LadderRow>(bucket === 'month' ? TSQL.ladderMonth : TSQL.ladderQuarter);
    return r.recordset;
  });
}

export async function portfolioContractIds(db: MssqlConnection, portfolioId: string): Promise<string[]> {
  return db.read(async (pool) => {
    const r = await pool.request().input('portfolio_id', sql.NVarChar(200), portfolioId).query<{ contract_id: string }>(TSQL.portfolioContractIds);
    return r.recordset.map((x) => x.contract_id);
  });
}

export async function sampleContractIds(db: MssqlConnection, n: number): Promise<string[]> {
  return db.read(async (pool) => {
    const r = await pool.request().input('n', sql.Int, n).query<{ contract_id: string }>(TSQL.sampleContractIds);
    return r.recordset.map((x) => x.contract_id);
  });
}

// ---------------------------------------------------------------- verification reads

export async function verificationIds(db: MssqlConnection, after: string | null, limit: number): Promise<string[]> {
  return db.read(async (pool) => {
    const r = await pool
      .request()
      .input('limit', sql.Int, limit)
      .input('after', sql.NVarChar(200), after ?? '')
      .query<{ contract_id: string }>(TSQL.verificationIds);
    return r.recordset.map((x) => x.contract_id);
  });
}

/** Runs `byIds` with #cf_ids filled, or `inRange` with @after/@through, in one transaction. */
async function selectionQueries<T>(
  db: MssqlConnection,
  selection: ContractSelection,
  run: (query: (byIds: string, inRange: string, from: string) => Promise<sql.IRecordSet<Record<string, unknown>>>) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    if ('ids' in selection) {
      await new sql.Request(tx).batch(TSQL.idsTable);
      await bulkInto(tx, BULK.ids, [...new Set(selection.ids)]);
    }
    const query = async (byIds: string, inRange: string, from: string) => {
      if ('ids' in selection) return (await new sql.Request(tx).query<Record<string, unknown>>(byIds)).recordset;
      const request = new sql.Request(tx).input('after', sql.NVarChar(ID_LENGTH), selection.after ?? '');
      if (selection.through === null) return (await request.query<Record<string, unknown>>(from)).recordset;
      return (await request.input('through', sql.NVarChar(ID_LENGTH), selection.through).query<Record<string, unknown>>(inRange)).recordset;
    };
    const out = await run(query);
    if ('ids' in selection) await new sql.Request(tx).batch('DROP TABLE #cf_ids');
    return out;
  });
}

export async function sourceContracts(db: MssqlConnection, selection: ContractSelection): Promise<SourceContracts> {
  return selectionQueries(db, selection, async (query) => {
    const contracts = (await query(TSQL.contractsByIds, TSQL.contractsInRange, TSQL.contractsFrom)).map((c) => ({
      contractId: c.contract_id as string,
      contractType: c.contract_type as string,
      terms: c.terms as string,
    }));
    const observedEvents = (await query(TSQL.observedEventsByIds, TSQL.observedEventsInRange, TSQL.observedEventsFrom)).map((e) => ({
      contractId: e.contract_id as string,
      eventType: e.event_type as string,
      observedAt: isoSeconds(e.observed_at as Date),
      value: e.value as number | null,
      states: e.states as string | null,
    }));
    return { contracts, observedEvents };
  });
}

export async function marketData(db: MssqlConnection, codes: readonly string[]): Promise<MarketDataRow[]> {
  if (!codes.length) return [];
  return db.transaction(async (tx) => {
    await new sql.Request(tx).batch(TSQL.codesTable);
    await bulkInto(tx, BULK.codes, [...new Set(codes)]);
    const r = await new sql.Request(tx).query(TSQL.marketData);
    await new sql.Request(tx).batch('DROP TABLE #cf_codes');
    return r.recordset.map((m) => ({ marketObjectCode: m.market_object_code as string, observedAt: isoSeconds(m.observed_at as Date), value: m.value as number }));
  });
}

export async function storedResults(db: MssqlConnection, selection: ContractSelection): Promise<StoredResults> {
  return selectionQueries(db, selection, async (query) => {
    const versions = (await query(TSQL.cashflowVersions, TSQL.versionsInRange, TSQL.versionsFrom)).map((v) => ({
      contractId: v.contract_id as string,
      version: Number(v.version),
      fingerprint: v.fingerprint as string | null,
      eventCount: v.event_count as number,
      computedAt: isoSeconds(v.computed_at as Date),
      status: v.status as CashflowVersion['status'],
      reason: v.reason as string | null,
    }));
    const rows = CashflowColumns.of((await query(TSQL.rowsByIds, TSQL.rowsInRange, TSQL.rowsFrom)).map((r) => cashflowRow(r as unknown as CashflowRecord)));
    return { versions, rows };
  });
}
