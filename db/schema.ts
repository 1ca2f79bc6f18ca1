// The tables and the view that other systems read and write (docs/interfaces.md "Database").
// Names here are a contract with downstream users: the SQL of both dialects must define exactly
// these columns (db/schema.test.ts and db/postgres/postgres.test.ts check it), nothing less.

export interface ColumnSpec {
  name: string;
  /** PostgreSQL type as information_schema.columns.data_type reports it. */
  postgres: string;
  /** SQL Server type as written in the DDL (lower case, with length). */
  mssql: string;
  nullable: boolean;
}

export interface RelationSpec {
  name: string;
  kind: 'table' | 'view';
  columns: ColumnSpec[];
  /** Source tables are captured by Debezium. */
  captured?: boolean;
}

const col = (name: string, postgres: string, mssql: string, nullable = false): ColumnSpec => ({
  name,
  postgres,
  mssql,
  nullable,
});
/** Length of every id column (docs/interfaces.md: ids nvarchar(200)); ingest refuses longer ids on both databases. */
export const ID_LENGTH = 200;
const id = (name: string, nullable = false) => col(name, 'text', `nvarchar(${ID_LENGTH})`, nullable);
const ts = (name: string, nullable = false) =>
  col(name, 'timestamp without time zone', 'datetime2', nullable);
const dbl = (name: string, nullable = false) => col(name, 'double precision', 'float', nullable);
/** `mssqlLength` -1 means nvarchar(max). */
const str = (name: string, mssqlLength: number, nullable = false) =>
  col(name, 'text', `nvarchar(${mssqlLength < 0 ? 'max' : mssqlLength})`, nullable);

/** A result row's columns after its ids: the event, its amounts and the result's version (a table's and the view's). */
const eventColumns = (): ColumnSpec[] => [
      col('seq', 'integer', 'int'),
      ts('event_date'),
      str('event_type', 20),
      str('currency', 20, true),
      dbl('payoff'),
      dbl('notional_principal', true),
      dbl('nominal_interest_rate', true),
      dbl('accrued_interest', true),
      col('version', 'bigint', 'bigint'),
];

export const RELATIONS: readonly RelationSpec[] = [
  {
    name: 'contracts',
    kind: 'table',
    captured: true,
    columns: [
      id('contract_id'),
      str('contract_type', 20),
      // Text, not jsonb: a malformed row must still be storable so that it reaches the dead
      // letter topic instead of being refused by the database.
      str('terms', -1),
      ts('updated_at'),
    ],
  },
  {
    name: 'positions',
    kind: 'table',
    captured: true,
    columns: [id('position_id'), id('portfolio_id'), id('contract_id'), dbl('quantity')],
  },
  {
    name: 'market_data',
    kind: 'table',
    captured: true,
    columns: [id('market_object_code'), ts('observed_at'), dbl('value')],
  },
  {
    name: 'observed_events',
    kind: 'table',
    captured: true,
    columns: [
      id('contract_id'),
      str('event_type', 20),
      ts('observed_at'),
      dbl('value', true),
      str('states', -1, true),
    ],
  },
  {
    name: 'contract_cashflows',
    kind: 'table',
    columns: [
      id('contract_id'),
      ...eventColumns(),
    ],
  },
  {
    name: 'cashflow_versions',
    kind: 'table',
    columns: [
      id('contract_id'),
      col('version', 'bigint', 'bigint'),
      str('fingerprint', 100, true),
      col('event_count', 'integer', 'int'),
      ts('computed_at'),
      // Added (defaulted): 'computed' | 'waiting' (market data missing) | 'deleted'.
      str('status', 20),
      str('reason', -1, true),
    ],
  },
  {
    name: 'position_cashflows',
    kind: 'view',
    columns: [
      id('position_id'),
      id('portfolio_id'),
      id('contract_id'),
      dbl('quantity'),
      // Amounts scaled by the position's quantity; the rate is not an amount and is not scaled.
      ...eventColumns(),
    ],
  },
];

/** The tables Debezium captures, in a stable order. */
export const CAPTURED_TABLES: readonly string[] = RELATIONS.filter((r) => r.captured).map((r) => r.name);

/**
 * PostgreSQL only, not part of the interface: one row the connector's heartbeat rewrites, so that
 * its replication slot confirms a recent LSN while only uncaptured tables are written
 * (docs/operations.md "The replication slot").
 */
export const CDC_HEARTBEAT_TABLE = 'cdc_heartbeat';

export function relation(name: string): RelationSpec {
  const r = RELATIONS.find((x) => x.name === name);
  if (!r) throw new Error(`unknown relation ${name}`);
  return r;
}
