// The reads of `cashflow verify` and the verifier (processors/verification.ts): ids by keyset
// pages on contract_id, a selection's source rows and market data, and its stored results in
// one snapshot. Statements are built per shape (no `$1 IS NULL OR …`), so each one walks its
// primary key.
import type pg from 'pg';
import type {
  CashflowRow,
  CashflowVersion,
  ContractRow,
  ContractSelection,
  MarketDataRow,
  ObservedEventRow,
  SourceContracts,
  StoredResults,
} from '../database.js';
import { CashflowColumns } from '../cashflow-columns.js';
import { CASHFLOW_COPY_COLUMNS, VERSION_COLUMNS } from './columns.js';
import type { PostgresPool } from './connection.js';
import { copyOut, decodeCashflowCopy } from './copy-read.js';
import { classify } from './errors.js';

/** The WHERE condition on contract_id of a verification selection, with its parameters ($1…). */
function selectionWhere(selection: ContractSelection): { where: string; params: unknown[] } {
  if ('ids' in selection) return { where: 'contract_id = ANY($1::text[])', params: [selection.ids] };
  const parts: string[] = [];
  const params: unknown[] = [];
  if (selection.after !== null) parts.push(`contract_id > $${params.push(selection.after)}`);
  if (selection.through !== null) parts.push(`contract_id <= $${params.push(selection.through)}`);
  return { where: parts.length ? parts.join(' AND ') : 'true', params };
}

/** The rows as text (the read before COPY binary): for the timestamps whose text form the binary decoder does not make. */
async function textCashflowRows(client: pg.PoolClient, where: string, params: unknown[]): Promise<CashflowRow[]> {
  // arrays, not objects: a page of 2,000 contracts is ~170,000 rows
  const raw = await client.query<unknown[]>({
    text: `SELECT ${CASHFLOW_COPY_COLUMNS} FROM contract_cashflows WHERE ${where} ORDER BY contract_id, seq`,
    values: params,
    rowMode: 'array',
  });
  const rows: CashflowRow[] = new Array(raw.rows.length);
  for (let i = 0; i < raw.rows.length; i++) {
    const r = raw.rows[i] as [string, number, string, string, string | null, number, number | null, number | null, number | null, number];
    rows[i] = {
      contractId: r[0],
      seq: r[1],
      eventDate: r[2],
      eventType: r[3],
      currency: r[4],
      payoff: r[5],
      notionalPrincipal: r[6],
      nominalInterestRate: r[7],
      accruedInterest: r[8],
      version: r[9],
    };
  }
  return rows;
}

/** selectionWhere with the values written as literals (`quote`: the connection's escapeLiteral), for COPY. */
export function literalSelectionWhere(selection: ContractSelection, quote: (s: string) => string): string {
  if ('ids' in selection) return selection.ids.length ? `contract_id = ANY(ARRAY[${selection.ids.map(quote).join(',')}]::text[])` : 'false';
  const parts: string[] = [];
  if (selection.after !== null) parts.push(`contract_id > ${quote(selection.after)}`);
  if (selection.through !== null) parts.push(`contract_id <= ${quote(selection.through)}`);
  return parts.length ? parts.join(' AND ') : 'true';
}

export async function verificationIds(db: PostgresPool, after: string | null, limit: number): Promise<string[]> {
  const where = after === null ? '' : 'WHERE contract_id > $2';
  const rows = await db.query<{ contract_id: string }>(
    `SELECT contract_id FROM (
       (SELECT contract_id FROM contracts ${where} ORDER BY contract_id LIMIT $1)
       UNION
       (SELECT contract_id FROM cashflow_versions ${where} ORDER BY contract_id LIMIT $1)
     ) AS ids ORDER BY contract_id LIMIT $1`,
    after === null ? [limit] : [limit, after],
  );
  return rows.map((r) => r.contract_id);
}

export async function sourceContracts(db: PostgresPool, selection: ContractSelection): Promise<SourceContracts> {
  const { where, params } = selectionWhere(selection);
  const [contracts, observedEvents] = await Promise.all([
    db.query<ContractRow>(`SELECT contract_id AS "contractId", contract_type AS "contractType", terms FROM contracts WHERE ${where}`, params),
    db.query<ObservedEventRow>(
      `SELECT contract_id AS "contractId", event_type AS "eventType", observed_at AS "observedAt", value, states
       FROM observed_events WHERE ${where} ORDER BY contract_id, observed_at, event_type`,
      params,
    ),
  ]);
  return { contracts, observedEvents };
}

export async function marketData(db: PostgresPool, codes: readonly string[]): Promise<MarketDataRow[]> {
  if (!codes.length) return [];
  return db.query<MarketDataRow>(
    `SELECT market_object_code AS "marketObjectCode", observed_at AS "observedAt", value
     FROM market_data WHERE market_object_code = ANY($1::text[]) ORDER BY market_object_code, observed_at`,
    [codes],
  );
}

export async function storedResults(db: PostgresPool, selection: ContractSelection): Promise<StoredResults> {
  const { where, params } = selectionWhere(selection);
  const client = await db.client();
  try {
    // one snapshot: a sink transaction replaces a contract's version row and rows together
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // without statistics the planner may scan 13 M rows for a page (as in applyResults); and the
    // key is (contract_id, version, seq), so a bitmap scan would sort the whole page (on disk at
    // ~170,000 rows) where the key's order needs only each contract's rows sorted by seq
    // (docs/operations.md "The result table's key")
    await client.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off');
    const versions = (await client.query<CashflowVersion>(`SELECT ${VERSION_COLUMNS} FROM cashflow_versions WHERE ${where} ORDER BY contract_id`, params)).rows;
    // COPY binary (decodeCashflowCopy); COPY takes no parameters, so the selection is written as literals
    const copied = decodeCashflowCopy(
      await copyOut(
        client,
        `COPY (SELECT ${CASHFLOW_COPY_COLUMNS} FROM contract_cashflows WHERE ${literalSelectionWhere(selection, (s) => client.escapeLiteral(s))}
               ORDER BY contract_id, seq) TO STDOUT (FORMAT binary)`,
      ),
    );
    const rows = copied ?? CashflowColumns.of(await textCashflowRows(client, where, params));
    await client.query('COMMIT');
    return { versions, rows };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    return classify(db.url, e);
  } finally {
    client.release();
  }
}

