// Reads of the results (the API, `cashflow show`, the portfolio view): a contract's rows and
// versions, a portfolio's position-scaled rows and ladder (docs/architecture.md "Positions").
import {
  assertLadderBucket,
  type CashflowRow,
  type CashflowVersion,
  type DateRange,
  type LadderBucket,
  type LadderRow,
  type PositionCashflowRow,
} from '../database.js';
import { CASHFLOW_COLUMNS, VERSION_COLUMNS } from './columns.js';
import type { PostgresPool } from './connection.js';

/** Events from $2 (inclusive) to $3 (exclusive), either bound absent when null. */
const RANGE = `($2::timestamp IS NULL OR event_date >= $2::timestamp)
  AND ($3::timestamp IS NULL OR event_date < $3::timestamp)`;

export async function contractCashflows(db: PostgresPool, contractId: string): Promise<CashflowRow[]> {
  return db.query<CashflowRow>(
    `SELECT ${CASHFLOW_COLUMNS} FROM contract_cashflows WHERE contract_id = $1 ORDER BY seq`,
    [contractId],
  );
}

export async function cashflowVersions(db: PostgresPool, contractIds: readonly string[]): Promise<CashflowVersion[]> {
  return db.query<CashflowVersion>(
    `SELECT ${VERSION_COLUMNS} FROM cashflow_versions WHERE contract_id = ANY($1::text[]) ORDER BY contract_id`,
    [contractIds],
  );
}

export async function portfolioCashflows(db: PostgresPool, portfolioId: string, range: DateRange = {}): Promise<PositionCashflowRow[]> {
  return db.query<PositionCashflowRow>(
    `SELECT position_id AS "positionId", portfolio_id AS "portfolioId", quantity, ${CASHFLOW_COLUMNS}
     FROM position_cashflows WHERE portfolio_id = $1 AND ${RANGE}
     ORDER BY event_date, contract_id, position_id, seq`,
    [portfolioId, range.from ?? null, range.to ?? null],
  );
}

export async function cashflowLadder(
  db: PostgresPool,
  portfolioId: string,
  bucket: LadderBucket,
  range: DateRange = {},
): Promise<LadderRow[]> {
  assertLadderBucket(bucket);
  return db.query<LadderRow>(
    `SELECT to_char(date_trunc($4, event_date), 'YYYY-MM-DD') AS bucket, currency,
            sum(payoff) AS payoff, count(*)::integer AS events
     FROM position_cashflows WHERE portfolio_id = $1 AND ${RANGE}
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [portfolioId, range.from ?? null, range.to ?? null, bucket],
  );
}

export async function portfolioContractIds(db: PostgresPool, portfolioId: string): Promise<string[]> {
  const rows = await db.query<{ contract_id: string }>('SELECT DISTINCT contract_id FROM positions WHERE portfolio_id = $1 ORDER BY contract_id', [portfolioId]);
  return rows.map((r) => r.contract_id);
}

export async function sampleContractIds(db: PostgresPool, n: number): Promise<string[]> {
  const rows = await db.query<{ contract_id: string }>('SELECT contract_id FROM contracts ORDER BY random() LIMIT $1', [n]);
  return rows.map((r) => r.contract_id);
}

