// SQL Server twin of the Database interface (production). Bulk writes: `mssql` bulk load into
// #temp staging tables inside one Transaction (temp tables live per connection, so they are
// created with request.batch() on the transaction's connection), then one set-based replace
// guarded by the version rule. No MERGE (docs/operations.md "Writing results and moving records fast").
import sql from 'mssql';
import { TLS_CERTIFICATE_CODES } from '../clients/errors.js';
import {
  assertIdentifier,
  assertLadderBucket,
  assertWritableResults,
  DatabaseConfigurationError,
  DatabaseUnavailableError,
  isoSeconds,
  latestPerContract,
  migrations,
  stagedRows,
  stagedVersion,
  tsqlBatches,
  type ApplyOutcome,
  type CashflowRow,
  type CashflowVersion,
  type ContractResult,
  type CheckStatus,
  type ContractRow,
  type StagedVersion,
  type DatabaseCheck,
  type ContractSelection,
  type Database,
  type DateRange,
  type LadderBucket,
  type LadderRow,
  type MarketDataRow,
  type MigrateOutcome,
  type PositionCashflowRow,
  type PositionRow,
  type SourceContracts,
  type StoredResults,
} from './database.js';
import { CAPTURED_TABLES, ID_LENGTH } from './schema.js';
import { CashflowColumns } from './cashflow-columns.js';

/**
 * The collation of every id column (contract, position, portfolio, market object code, event
 * type in keys): binary, so that 'abc' and 'ABC' are two contracts as they are in PostgreSQL
 * and everywhere else in the pipeline (a case-insensitive default made them one: Msg 2627 in
 * one batch, a silent version skip across batches). The tables (db/sql/mssql) and the #temp
 * tables below use the same explicit collation: #temp tables otherwise take tempdb's, and in a
 * database created with another collation every join fails with Msg 468.
 */
export const ID_COLLATION = 'Latin1_General_100_BIN2';
export { ID_LENGTH };
const ID = `nvarchar(${ID_LENGTH}) COLLATE ${ID_COLLATION}`;
/** Other text in #temp tables: the database's collation, not tempdb's (Msg 468 otherwise). */
const TEXT = (type: string) => `${type} COLLATE DATABASE_DEFAULT`;

/** Every T-SQL statement this module sends (db/schema.test.ts parses each one). */
export const TSQL = {
  migrationsTable: `IF OBJECT_ID(N'dbo.cashflow_schema_migrations', N'U') IS NULL
CREATE TABLE dbo.cashflow_schema_migrations (
  id nvarchar(200) NOT NULL PRIMARY KEY,
  applied_at datetime2 NOT NULL DEFAULT SYSUTCDATETIME()
)`,
  appliedMigrations: `SELECT id FROM dbo.cashflow_schema_migrations`,
  databaseExists: `SELECT name FROM sys.databases WHERE name = @name`,
  recordMigration: `INSERT INTO dbo.cashflow_schema_migrations (id) VALUES (@id)`,
  staging: `CREATE TABLE #cf_stage_versions (
  contract_id ${ID} NOT NULL PRIMARY KEY, version bigint NOT NULL, fingerprint ${TEXT('nvarchar(100)')} NULL,
  event_count int NOT NULL, status ${TEXT('nvarchar(20)')} NOT NULL, reason ${TEXT('nvarchar(max)')} NULL, computed_at datetime2 NULL
);
CREATE TABLE #cf_stage_rows (
  contract_id ${ID} NOT NULL, seq int NOT NULL, event_date datetime2 NOT NULL, event_type ${TEXT('nvarchar(20)')} NOT NULL,
  currency ${TEXT('nvarchar(20)')} NULL, payoff float NOT NULL, notional_principal float NULL,
  nominal_interest_rate float NULL, accrued_interest float NULL, version bigint NOT NULL
);
CREATE TABLE #cf_accepted (contract_id ${ID} NOT NULL PRIMARY KEY, version bigint NOT NULL)`,
  // The version rule. UPDLOCK + HOLDLOCK on every read of cashflow_versions keeps the decision
  // valid until commit, also for contracts not yet in cashflow_versions (key-range lock). The
  // hints make these locking reads of the latest committed row even under
  // READ_COMMITTED_SNAPSHOT (which the migration turns on for report readers): a row-versioned
  // read here could decide on a version another sink transaction is replacing.
  accept: `INSERT INTO #cf_accepted (contract_id, version)
SELECT s.contract_id, s.version
FROM #cf_stage_versions AS s
LEFT JOIN dbo.cashflow_versions AS v WITH (UPDLOCK, HOLDLOCK) ON v.contract_id = s.contract_id
WHERE v.contract_id IS NULL OR v.version < s.version;
UPDATE v SET version = s.version, fingerprint = s.fingerprint, event_count = s.event_count,
  computed_at = COALESCE(s.computed_at, SYSUTCDATETIME()), status = s.status, reason = s.reason
FROM dbo.cashflow_versions AS v
JOIN #cf_stage_versions AS s ON s.contract_id = v.contract_id
JOIN #cf_accepted AS a ON a.contract_id = s.contract_id;
INSERT INTO dbo.cashflow_versions (contract_id, version, fingerprint, event_count, computed_at, status, reason)
SELECT s.contract_id, s.version, s.fingerprint, s.event_count, COALESCE(s.computed_at, SYSUTCDATETIME()), s.status, s.reason
FROM #cf_stage_versions AS s
JOIN #cf_accepted AS a ON a.contract_id = s.contract_id
WHERE NOT EXISTS (SELECT 1 FROM dbo.cashflow_versions AS v WITH (UPDLOCK, HOLDLOCK) WHERE v.contract_id = s.contract_id)`,
  replaceRows: `DELETE c FROM dbo.contract_cashflows AS c JOIN #cf_accepted AS a ON a.contract_id = c.contract_id;
INSERT INTO dbo.contract_cashflows (contract_id, seq, event_date, event_type, currency, payoff,
  notional_principal, nominal_interest_rate, accrued_interest, version)
SELECT r.contract_id, r.seq, r.event_date, r.event_type, r.currency, r.payoff,
  r.notional_principal, r.nominal_interest_rate, r.accrued_interest, r.version
FROM #cf_stage_rows AS r JOIN #cf_accepted AS a ON a.contract_id = r.contract_id AND a.version = r.version;
SELECT contract_id FROM #cf_accepted`,
  dropStaging: `DROP TABLE #cf_stage_versions; DROP TABLE #cf_stage_rows; DROP TABLE #cf_accepted`,
  contractCashflows: `SELECT contract_id, seq, event_date, event_type, currency, payoff, notional_principal,
  nominal_interest_rate, accrued_interest, version
FROM dbo.contract_cashflows WHERE contract_id = @contract_id ORDER BY seq`,
  // One round trip: the ids as a JSON array parameter (OPENJSON: compatibility level 130+),
  // instead of a transaction with #temp DDL, a bulk load and a DROP (six round trips).
  cashflowVersions: `SELECT contract_id, version, fingerprint, event_count, computed_at, status, reason
FROM dbo.cashflow_versions WHERE contract_id IN (SELECT [value] COLLATE ${ID_COLLATION} FROM OPENJSON(@ids)) ORDER BY contract_id`,
  idsTable: `CREATE TABLE #cf_ids (contract_id ${ID} NOT NULL PRIMARY KEY)`,
  portfolioCashflows: `SELECT position_id, portfolio_id, quantity, contract_id, seq, event_date, event_type, currency,
  payoff, notional_principal, nominal_interest_rate, accrued_interest, version
FROM dbo.position_cashflows
WHERE portfolio_id = @portfolio_id AND (@from IS NULL OR event_date >= @from) AND (@to IS NULL OR event_date < @to)
ORDER BY event_date, contract_id, position_id, seq`,
  ladderMonth: `SELECT CONVERT(char(10), DATEFROMPARTS(YEAR(event_date), MONTH(event_date), 1), 23) AS bucket,
  currency, SUM(payoff) AS payoff, COUNT(*) AS events
FROM dbo.position_cashflows
WHERE portfolio_id = @portfolio_id AND (@from IS NULL OR event_date >= @from) AND (@to IS NULL OR event_date < @to)
GROUP BY DATEFROMPARTS(YEAR(event_date), MONTH(event_date), 1), currency
ORDER BY bucket, currency`,
  ladderQuarter: `SELECT CONVERT(char(10), DATEFROMPARTS(YEAR(event_date), (DATEPART(quarter, event_date) - 1) * 3 + 1, 1), 23) AS bucket,
  currency, SUM(payoff) AS payoff, COUNT(*) AS events
FROM dbo.position_cashflows
WHERE portfolio_id = @portfolio_id AND (@from IS NULL OR event_date >= @from) AND (@to IS NULL OR event_date < @to)
GROUP BY DATEFROMPARTS(YEAR(event_date), (DATEPART(quarter, event_date) - 1) * 3 + 1, 1), currency
ORDER BY bucket, currency`,
  stageContracts: `CREATE TABLE #cf_contracts (contract_id ${ID} NOT NULL PRIMARY KEY, contract_type ${TEXT('nvarchar(20)')} NOT NULL, terms ${TEXT('nvarchar(max)')} NOT NULL)`,
  upsertContracts: `UPDATE c SET contract_type = s.contract_type, terms = s.terms, updated_at = SYSUTCDATETIME()
FROM dbo.contracts AS c WITH (UPDLOCK, HOLDLOCK) JOIN #cf_contracts AS s ON s.contract_id = c.contract_id;
INSERT INTO dbo.contracts (contract_id, contract_type, terms, updated_at)
SELECT s.contract_id, s.contract_type, s.terms, SYSUTCDATETIME() FROM #cf_contracts AS s
WHERE NOT EXISTS (SELECT 1 FROM dbo.contracts AS c WITH (UPDLOCK, HOLDLOCK) WHERE c.contract_id = s.contract_id);
DROP TABLE #cf_contracts`,
  deleteContracts: `DELETE c FROM dbo.contracts AS c JOIN #cf_ids AS i ON i.contract_id = c.contract_id`,
  stagePositions: `CREATE TABLE #cf_positions (position_id ${ID} NOT NULL PRIMARY KEY, portfolio_id ${ID} NOT NULL, contract_id ${ID} NOT NULL, quantity float NOT NULL)`,
  upsertPositions: `UPDATE p SET portfolio_id = s.portfolio_id, contract_id = s.contract_id, quantity = s.quantity
FROM dbo.positions AS p WITH (UPDLOCK, HOLDLOCK) JOIN #cf_positions AS s ON s.position_id = p.position_id;
INSERT INTO dbo.positions (position_id, portfolio_id, contract_id, quantity)
SELECT s.position_id, s.portfolio_id, s.contract_id, s.quantity FROM #cf_positions AS s
WHERE NOT EXISTS (SELECT 1 FROM dbo.positions AS p WITH (UPDLOCK, HOLDLOCK) WHERE p.position_id = s.position_id);
DROP TABLE #cf_positions`,
  stageMarketData: `CREATE TABLE #cf_market_data (market_object_code ${ID} NOT NULL, observed_at datetime2 NOT NULL, value float NOT NULL, PRIMARY KEY (market_object_code, observed_at))`,
  upsertMarketData: `UPDATE m SET value = s.value
FROM dbo.market_data AS m WITH (UPDLOCK, HOLDLOCK)
JOIN #cf_market_data AS s ON s.market_object_code = m.market_object_code AND s.observed_at = m.observed_at;
INSERT INTO dbo.market_data (market_object_code, observed_at, value)
SELECT s.market_object_code, s.observed_at, s.value FROM #cf_market_data AS s
WHERE NOT EXISTS (SELECT 1 FROM dbo.market_data AS m WITH (UPDLOCK, HOLDLOCK) WHERE m.market_object_code = s.market_object_code AND m.observed_at = s.observed_at);
DROP TABLE #cf_market_data`,
  // ---- the verification reads (`cashflow verify`, the verifier: processors/verification.ts).
  // A selection is either the ids in #cf_ids or the range (@after, @through] (`…From` without an
  // upper bound; no start is @after = N'': contract-ingest dead-letters an empty contract_id, so
  // no such contract has a result). No `@x IS NULL OR`: every statement seeks its clustered index.
  verificationIds: `SELECT TOP (@limit) contract_id FROM (
  SELECT contract_id FROM (SELECT TOP (@limit) contract_id FROM dbo.contracts WHERE contract_id > @after ORDER BY contract_id) AS c
  UNION
  SELECT contract_id FROM (SELECT TOP (@limit) contract_id FROM dbo.cashflow_versions WHERE contract_id > @after ORDER BY contract_id) AS v
) AS ids ORDER BY contract_id`,
  contractsByIds: `SELECT contract_id, contract_type, terms FROM dbo.contracts WHERE contract_id IN (SELECT contract_id FROM #cf_ids)`,
  contractsInRange: `SELECT contract_id, contract_type, terms FROM dbo.contracts WHERE contract_id > @after AND contract_id <= @through`,
  contractsFrom: `SELECT contract_id, contract_type, terms FROM dbo.contracts WHERE contract_id > @after`,
  observedEventsByIds: `SELECT contract_id, event_type, observed_at, value, states FROM dbo.observed_events
WHERE contract_id IN (SELECT contract_id FROM #cf_ids) ORDER BY contract_id, observed_at, event_type`,
  observedEventsInRange: `SELECT contract_id, event_type, observed_at, value, states FROM dbo.observed_events
WHERE contract_id > @after AND contract_id <= @through ORDER BY contract_id, observed_at, event_type`,
  observedEventsFrom: `SELECT contract_id, event_type, observed_at, value, states FROM dbo.observed_events
WHERE contract_id > @after ORDER BY contract_id, observed_at, event_type`,
  versionsInRange: `SELECT contract_id, version, fingerprint, event_count, computed_at, status, reason FROM dbo.cashflow_versions
WHERE contract_id > @after AND contract_id <= @through ORDER BY contract_id`,
  versionsFrom: `SELECT contract_id, version, fingerprint, event_count, computed_at, status, reason FROM dbo.cashflow_versions
WHERE contract_id > @after ORDER BY contract_id`,
  rowsByIds: `SELECT contract_id, seq, event_date, event_type, currency, payoff, notional_principal, nominal_interest_rate, accrued_interest, version
FROM dbo.contract_cashflows WHERE contract_id IN (SELECT contract_id FROM #cf_ids) ORDER BY contract_id, seq`,
  rowsInRange: `SELECT contract_id, seq, event_date, event_type, currency, payoff, notional_principal, nominal_interest_rate, accrued_interest, version
FROM dbo.contract_cashflows WHERE contract_id > @after AND contract_id <= @through ORDER BY contract_id, seq`,
  rowsFrom: `SELECT contract_id, seq, event_date, event_type, currency, payoff, notional_principal, nominal_interest_rate, accrued_interest, version
FROM dbo.contract_cashflows WHERE contract_id > @after ORDER BY contract_id, seq`,
  codesTable: `CREATE TABLE #cf_codes (market_object_code ${ID} NOT NULL PRIMARY KEY)`,
  marketData: `SELECT market_object_code, observed_at, value FROM dbo.market_data
WHERE market_object_code IN (SELECT market_object_code FROM #cf_codes) ORDER BY market_object_code, observed_at`,
  portfolioContractIds: `SELECT DISTINCT contract_id FROM dbo.positions WHERE portfolio_id = @portfolio_id ORDER BY contract_id`,
  sampleContractIds: `SELECT TOP (@n) contract_id FROM dbo.contracts ORDER BY NEWID()`,
} as const;

// ---------------------------------------------------------------- error classification
// One table: what a SQL Server error number or a tedious/mssql error code means for the
// pipeline. `transient` and `resource` are retried with backoff (the partition blocks, nothing
// is skipped: docs/architecture.md, invariant 5); `configuration` is retried too (a sink must not dead-letter
// valid results because its login expired) but says plainly that an operator must act;
// `permanent` is the statement's own fault (constraint, conversion): the runner isolates and
// dead-letters the record. Numbers: SQL Server "Database engine events and errors".

export type MssqlFailureKind = 'transient' | 'resource' | 'configuration' | 'permanent';

export const MSSQL_ERROR_NUMBERS: Readonly<Record<number, { kind: MssqlFailureKind; what: string }>> = {
  1205: { kind: 'transient', what: 'chosen as deadlock victim' },
  1222: { kind: 'transient', what: 'lock request timed out' },
  4060: { kind: 'transient', what: 'cannot open database (failing over, or a wrong database name)' },
  976: { kind: 'transient', what: 'availability replica not readable (failover)' },
  983: { kind: 'transient', what: 'availability replica not primary or resolving (failover)' },
  3948: { kind: 'transient', what: 'transaction ended by an availability replica state change' },
  921: { kind: 'transient', what: 'database not yet recovered' },
  922: { kind: 'transient', what: 'database is being recovered' },
  40197: { kind: 'transient', what: 'service error (Azure SQL reconfiguration)' },
  40501: { kind: 'transient', what: 'service busy (Azure SQL throttling)' },
  40613: { kind: 'transient', what: 'database unavailable (Azure SQL failover)' },
  49918: { kind: 'transient', what: 'not enough resources (Azure SQL)' },
  49919: { kind: 'transient', what: 'too many operations in progress (Azure SQL)' },
  49920: { kind: 'transient', what: 'too many operations in progress (Azure SQL)' },
  10928: { kind: 'transient', what: 'resource limit reached (Azure SQL)' },
  10929: { kind: 'transient', what: 'resource limit reached (Azure SQL)' },
  9002: { kind: 'resource', what: 'transaction log full (back up or grow the log; with CDC, is the capture job running?)' },
  1105: { kind: 'resource', what: 'filegroup full (add space)' },
  701: { kind: 'resource', what: 'insufficient system memory' },
  8645: { kind: 'resource', what: 'timed out waiting for memory resources' },
  1204: { kind: 'resource', what: 'cannot obtain a lock resource' },
  18456: { kind: 'configuration', what: 'login failed (user or password in DATABASE_URL)' },
  18452: { kind: 'configuration', what: 'login from an untrusted domain' },
  18486: { kind: 'configuration', what: 'login locked out' },
  18487: { kind: 'configuration', what: 'password expired' },
  18488: { kind: 'configuration', what: 'password must be changed' },
  229: { kind: 'configuration', what: 'permission denied on an object (grant the rights README "SQL Server first run" lists)' },
  230: { kind: 'configuration', what: 'permission denied on a column' },
  262: { kind: 'configuration', what: 'permission denied in database' },
  916: { kind: 'configuration', what: 'login cannot access the database' },
};

/** tedious / mssql error codes (`err.code`, also on `originalError`). */
export const MSSQL_ERROR_CODES: Readonly<Record<string, { kind: MssqlFailureKind; what: string }>> = {
  ESOCKET: { kind: 'transient', what: 'connection failed or lost' },
  ECONNCLOSED: { kind: 'transient', what: 'connection closed' },
  // tedious: 'Connection closed before request completed' (the server went away mid-request)
  ECLOSE: { kind: 'transient', what: 'connection closed before the request completed' },
  ENOTOPEN: { kind: 'transient', what: 'connection not open yet or closing' },
  ETIMEOUT: { kind: 'transient', what: 'connect or request timeout' },
  ECONNRESET: { kind: 'transient', what: 'connection reset' },
  // mssql TransactionError: the server rolled the transaction back (XACT_ABORT after a deadlock, a failover)
  EABORT: { kind: 'transient', what: 'transaction aborted by the server' },
  // tedious: a request on a connection that has left the LoggedIn state (lost mid-transaction)
  EINVALIDSTATE: { kind: 'transient', what: 'connection in an invalid state (lost mid-transaction)' },
  ELOGIN: { kind: 'configuration', what: 'login failed (user, password or database in DATABASE_URL)' },
};

// Node's TLS verification codes (tls.TLSSocket 'error' .code): the server's certificate is not
// trusted by this process — a configuration error, not an unreachable server.
export interface MssqlFailure {
  kind: MssqlFailureKind;
  /** What it was, e.g. `9002 transaction log full …` or `ELOGIN login failed …`. */
  what: string;
}

interface ErrorShape {
  code?: unknown;
  number?: unknown;
  isTransient?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
  precedingErrors?: unknown;
  info?: { number?: unknown };
}

/** The error and everything it wraps: originalError, cause, and each of precedingErrors. */
function errorChain(e: unknown): ErrorShape[] {
  const out: ErrorShape[] = [];
  const visit = (x: unknown, depth: number) => {
    if (x === null || typeof x !== 'object' || depth > 6 || out.includes(x as ErrorShape)) return;
    const err = x as ErrorShape;
    out.push(err);
    visit(err.originalError, depth + 1);
    visit(err.cause, depth + 1);
    if (Array.isArray(err.precedingErrors)) for (const p of err.precedingErrors) visit(p, depth + 1);
  };
  visit(e, 0);
  return out;
}

const SEVERITY: Record<MssqlFailureKind, number> = { configuration: 3, resource: 2, transient: 1, permanent: 0 };

/**
 * What a SQL Server failure means (see MSSQL_ERROR_NUMBERS). Reads every error of the chain —
 * a batch that failed reports its errors in `precedingErrors`, the last one often only
 * "statement terminated" — and takes the gravest class found; unknown → permanent.
 */
export function classifyMssqlError(e: unknown): MssqlFailure {
  let found: MssqlFailure | undefined;
  const consider = (f: MssqlFailure) => {
    if (!found || SEVERITY[f.kind] > SEVERITY[found.kind]) found = f;
  };
  const chain = errorChain(e);
  // tedious marks a login refused while the database starts or fails over as isTransient (on
  // its own error; mssql's wrapper copies only the code)
  const transientLogin = chain.some((err) => err.code === 'ELOGIN' && err.isTransient === true);
  for (const err of chain) {
    const code = typeof err.code === 'string' ? err.code : undefined;
    const number = typeof err.number === 'number' ? err.number : typeof err.info?.number === 'number' ? err.info.number : undefined;
    if (code && TLS_CERTIFICATE_CODES.has(code)) {
      consider({ kind: 'configuration', what: `${code} the server's TLS certificate is not trusted (a private CA: NODE_EXTRA_CA_CERTS=<ca.pem>; or trustServerCertificate=true in DATABASE_URL for a test server)` });
    }
    if (number !== undefined && MSSQL_ERROR_NUMBERS[number]) consider({ kind: MSSQL_ERROR_NUMBERS[number].kind, what: `${number} ${MSSQL_ERROR_NUMBERS[number].what}` });
    if (code === 'ELOGIN' && transientLogin) consider({ kind: 'transient', what: 'ELOGIN transient login failure (the server is starting or failing over)' });
    else if (code && MSSQL_ERROR_CODES[code]) consider({ kind: MSSQL_ERROR_CODES[code].kind, what: `${code} ${MSSQL_ERROR_CODES[code].what}` });
  }
  return found ?? { kind: 'permanent', what: 'refused by SQL Server' };
}

/** Whether trying again later can help without anyone acting: SQL Server is away, failing over, throttling, short of a resource, or chose us as a deadlock victim. */
export function isTransientMssqlError(e: unknown): boolean {
  const kind = classifyMssqlError(e).kind;
  return kind === 'transient' || kind === 'resource';
}

/** The typed error a failure becomes (see MSSQL_ERROR_NUMBERS); permanent failures stay as they are. */
export function mssqlFailure(target: string, e: unknown): unknown {
  const f = classifyMssqlError(e);
  const message = (e as Error)?.message ?? String(e);
  switch (f.kind) {
    case 'transient':
      return new DatabaseUnavailableError(target, `${message} [${f.what}] (is SQL Server reachable? DATABASE_URL)`, { cause: e });
    case 'resource':
      return new DatabaseUnavailableError(target, `${message} [${f.what}] (SQL Server is short of a resource: an operator must act; retrying)`, { cause: e });
    case 'configuration':
      return new DatabaseConfigurationError(target, `${message} [${f.what}]`, { cause: e });
    default:
      return e;
  }
}

const BULK_CHUNK = 10_000;

/** `mssql://user:password@host:port/database?encrypt=true&trustServerCertificate=false`. */
export function mssqlConfig(url: string): sql.config {
  const u = new URL(url);
  const q = u.searchParams;
  return {
    server: u.hostname,
    port: u.port ? Number(u.port) : 1433,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'cashflow',
    user: decodeURIComponent(u.username) || undefined,
    password: decodeURIComponent(u.password) || undefined,
    pool: { max: Number(q.get('poolMax') ?? 4) },
    requestTimeout: Number(q.get('requestTimeout') ?? 120_000),
    options: {
      encrypt: q.get('encrypt') !== 'false',
      trustServerCertificate: q.get('trustServerCertificate') === 'true',
      useUTC: true,
    },
  };
}

/** A `YYYY-MM-DDTHH:MM:SS` timestamp as the Date tedious writes to datetime2 (UTC). */
function utc(value: string): Date {
  return new Date(`${value.length === 10 ? `${value}T00:00:00` : value.slice(0, 19)}Z`);
}

export type BulkColumn<T> = [
  name: string,
  type: sql.ISqlType | (() => sql.ISqlType),
  nullable: boolean,
  value: (row: T) => unknown,
];

/**
 * The bulk columns of each #temp table, in the DDL's order (TSQL above): name, type, nullable,
 * value. db/mssql.test.ts checks each against its CREATE TABLE (names, types, lengths,
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
async function bulkInto<T>(
  tx: sql.Transaction,
  { table, columns }: { table: string; columns: readonly BulkColumn<T>[] },
  rows: readonly T[],
): Promise<void> {
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

function lastBy<T>(rows: readonly T[], key: (r: T) => string): T[] {
  return [...new Map(rows.map((r) => [key(r), r])).values()];
}

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

export class MssqlDatabase implements Database {
  readonly dialect = 'mssql' as const;
  readonly name: string;
  private readonly config: sql.config;
  private pool: Promise<sql.ConnectionPool> | undefined;

  constructor(private readonly url: string) {
    this.config = mssqlConfig(url);
    this.name = this.config.database!;
  }

  private target(): string {
    return `mssql://${this.config.server}:${this.config.port}/${this.name}`;
  }

  private classify(e: unknown): never {
    throw mssqlFailure(this.target(), e);
  }

  private async connection(): Promise<sql.ConnectionPool> {
    if (!this.pool) {
      const pool = new sql.ConnectionPool(this.config);
      pool.on('error', () => {});
      this.pool = pool.connect().catch((e) => {
        this.pool = undefined;
        return this.classify(e);
      });
    }
    return this.pool;
  }

  private async transaction<T>(work: (tx: sql.Transaction) => Promise<T>): Promise<T> {
    const tx = new sql.Transaction(await this.connection());
    try {
      await tx.begin();
      const result = await work(tx);
      await tx.commit();
      return result;
    } catch (e) {
      await tx.rollback().catch(() => {});
      return this.classify(e);
    }
  }

  /**
   * Creates the database when missing, like the PostgreSQL twin. Production databases are
   * usually created by their DBAs, and a login without rights on master cannot look: then the
   * migration simply proceeds against the configured database.
   */
  private async createDatabaseIfMissing(): Promise<boolean> {
    assertIdentifier('database', this.name);
    const master = new sql.ConnectionPool({ ...this.config, database: 'master' });
    try {
      await master.connect();
    } catch {
      return false;
    }
    try {
      const found = await master
        .request()
        .input('name', sql.NVarChar(128), this.name)
        .query(TSQL.databaseExists);
      if (found.recordset.length) return false;
      await master.request().batch(`CREATE DATABASE ${this.name}`);
      return true;
    } catch (e) {
      if ((e as { number?: number }).number === 1801) return false; // created concurrently
      return this.classify(e);
    } finally {
      await master.close();
    }
  }

  async migrate(): Promise<MigrateOutcome> {
    const createdDatabase = await this.createDatabaseIfMissing();
    // One connection of its own for the whole migration: it holds the application lock, and
    // READ_COMMITTED_SNAPSHOT can only be switched by the one connection in the database.
    const session = new sql.ConnectionPool({ ...this.config, pool: { max: 1, min: 0 } });
    session.on('error', () => {});
    const applied: string[] = [];
    const warnings: string[] = [];
    try {
      await session.connect();
      await acquireMigrationLock(session);
      await session.request().batch(TSQL.migrationsTable);
      const done = new Set(
        (await session.request().query<{ id: string }>(TSQL.appliedMigrations)).recordset.map((r) => r.id),
      );
      for (const m of migrations('mssql')) {
        if (done.has(m.id)) continue;
        // Batch by batch, outside a transaction: sp_cdc_enable_db refuses to run inside one.
        // Every batch is idempotent, so a failed migration can simply be run again.
        for (const batch of tsqlBatches(m.sql)) await session.request().batch(batch);
        await session.request().input('id', sql.NVarChar(200), m.id).query(TSQL.recordMigration);
        applied.push(m.id);
      }
      warnings.push(...(await ensureDatabaseOptions(session, this.name)));
      warnings.push(...(await captureWarnings(session)));
    } catch (e) {
      return this.classify(e);
    } finally {
      await session.close().catch(() => {});
    }
    return { database: this.name, createdDatabase, applied, warnings };
  }

  async applyResults(batch: readonly ContractResult[]): Promise<ApplyOutcome> {
    if (batch.length === 0) return { applied: [], skipped: 0, rowsWritten: 0 };
    assertWritableResults(batch, { maxIdLength: ID_LENGTH, decodeEvents: true });
    const latest = latestPerContract(batch);
    const versions = latest.map(stagedVersion);
    const rows = latest.flatMap(stagedRows);
    return this.transaction(async (tx) => {
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

  async contractCashflows(contractId: string): Promise<CashflowRow[]> {
    const pool = await this.connection();
    try {
      const r = await pool
        .request()
        .input('contract_id', sql.NVarChar(200), contractId)
        .query<CashflowRecord>(TSQL.contractCashflows);
      return r.recordset.map(cashflowRow);
    } catch (e) {
      return this.classify(e);
    }
  }

  async cashflowVersion(contractId: string): Promise<CashflowVersion | null> {
    return (await this.cashflowVersions([contractId]))[0] ?? null;
  }

  async cashflowVersions(contractIds: readonly string[]): Promise<CashflowVersion[]> {
    if (!contractIds.length) return [];
    const pool = await this.connection();
    try {
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
    } catch (e) {
      return this.classify(e);
    }
  }

  private rangeRequest(pool: sql.ConnectionPool, portfolioId: string, range: DateRange): sql.Request {
    return pool
      .request()
      .input('portfolio_id', sql.NVarChar(200), portfolioId)
      .input('from', sql.DateTime2, range.from ? utc(range.from) : null)
      .input('to', sql.DateTime2, range.to ? utc(range.to) : null);
  }

  async portfolioCashflows(portfolioId: string, range: DateRange = {}): Promise<PositionCashflowRow[]> {
    const pool = await this.connection();
    try {
      const r = await this.rangeRequest(pool, portfolioId, range).query(TSQL.portfolioCashflows);
      return r.recordset.map((row) => ({
        ...cashflowRow(row as CashflowRecord),
        positionId: row.position_id,
        portfolioId: row.portfolio_id,
        quantity: row.quantity,
      }));
    } catch (e) {
      return this.classify(e);
    }
  }

  async cashflowLadder(
    portfolioId: string,
    bucket: LadderBucket,
    range: DateRange = {},
  ): Promise<LadderRow[]> {
    assertLadderBucket(bucket);
    const pool = await this.connection();
    try {
      const r = await this.rangeRequest(pool, portfolioId, range).query<LadderRow>(
        bucket === 'month' ? TSQL.ladderMonth : TSQL.ladderQuarter,
      );
      return r.recordset;
    } catch (e) {
      return this.classify(e);
    }
  }

  async upsertContracts(rows: readonly ContractRow[]): Promise<void> {
    const unique = lastBy(rows, (r) => r.contractId);
    if (!unique.length) return;
    await this.transaction(async (tx) => {
      await new sql.Request(tx).batch(TSQL.stageContracts);
      await bulkInto(tx, BULK.contracts, unique);
      await new sql.Request(tx).batch(TSQL.upsertContracts);
    });
  }

  async deleteContracts(contractIds: readonly string[]): Promise<void> {
    if (!contractIds.length) return;
    await this.transaction(async (tx) => {
      await new sql.Request(tx).batch(TSQL.idsTable);
      await bulkInto(tx, BULK.ids, [...new Set(contractIds)]);
      await new sql.Request(tx).batch(TSQL.deleteContracts);
      await new sql.Request(tx).batch('DROP TABLE #cf_ids');
    });
  }

  async upsertPositions(rows: readonly PositionRow[]): Promise<void> {
    const unique = lastBy(rows, (r) => r.positionId);
    if (!unique.length) return;
    await this.transaction(async (tx) => {
      await new sql.Request(tx).batch(TSQL.stagePositions);
      await bulkInto(tx, BULK.positions, unique);
      await new sql.Request(tx).batch(TSQL.upsertPositions);
    });
  }

  async upsertMarketData(rows: readonly MarketDataRow[]): Promise<void> {
    const unique = lastBy(rows, (r) => `${r.marketObjectCode}|${r.observedAt}`);
    if (!unique.length) return;
    await this.transaction(async (tx) => {
      await new sql.Request(tx).batch(TSQL.stageMarketData);
      await bulkInto(tx, BULK.marketData, unique);
      await new sql.Request(tx).batch(TSQL.upsertMarketData);
    });
  }

  // ---------------------------------------------------------------- verification reads
  // (`cashflow verify`, the verifier: processors/verification.ts), statements in TSQL (its last section).
  // Without snapshot isolation, storedResults reads its two tables in one transaction at READ
  // COMMITTED: a sink commit between the two statements can show a contract as stale or
  // differing for that read (the verifier re-checks before it reports).

  async verificationIds(after: string | null, limit: number): Promise<string[]> {
    const pool = await this.connection();
    try {
      const r = await pool
        .request()
        .input('limit', sql.Int, limit)
        .input('after', sql.NVarChar(200), after ?? '')
        .query<{ contract_id: string }>(TSQL.verificationIds);
      return r.recordset.map((x) => x.contract_id);
    } catch (e) {
      return this.classify(e);
    }
  }

  /** Runs `byIds` with #cf_ids filled, or `inRange` with @after/@through, in one transaction. */
  private async selectionQueries<T>(
    selection: ContractSelection,
    run: (query: (byIds: string, inRange: string, from: string) => Promise<sql.IRecordSet<Record<string, unknown>>>) => Promise<T>,
  ): Promise<T> {
    return this.transaction(async (tx) => {
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

  async sourceContracts(selection: ContractSelection): Promise<SourceContracts> {
    return this.selectionQueries(selection, async (query) => {
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

  async marketData(codes: readonly string[]): Promise<MarketDataRow[]> {
    if (!codes.length) return [];
    return this.transaction(async (tx) => {
      await new sql.Request(tx).batch(TSQL.codesTable);
      await bulkInto(tx, BULK.codes, [...new Set(codes)]);
      const r = await new sql.Request(tx).query(TSQL.marketData);
      await new sql.Request(tx).batch('DROP TABLE #cf_codes');
      return r.recordset.map((m) => ({ marketObjectCode: m.market_object_code as string, observedAt: isoSeconds(m.observed_at as Date), value: m.value as number }));
    });
  }

  async storedResults(selection: ContractSelection): Promise<StoredResults> {
    return this.selectionQueries(selection, async (query) => {
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

  async portfolioContractIds(portfolioId: string): Promise<string[]> {
    const pool = await this.connection();
    try {
      const r = await pool.request().input('portfolio_id', sql.NVarChar(200), portfolioId).query<{ contract_id: string }>(TSQL.portfolioContractIds);
      return r.recordset.map((x) => x.contract_id);
    } catch (e) {
      return this.classify(e);
    }
  }

  async sampleContractIds(n: number): Promise<string[]> {
    const pool = await this.connection();
    try {
      const r = await pool.request().input('n', sql.Int, n).query<{ contract_id: string }>(TSQL.sampleContractIds);
      return r.recordset.map((x) => x.contract_id);
    } catch (e) {
      return this.classify(e);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close();
  }

  /** `cashflow db check` (see mssqlChecks). */
  async check(): Promise<DatabaseCheck[]> {
    const pool = await this.connection();
    try {
      return mssqlChecks(await readMssqlFacts(pool, this.name, this.config.options?.trustServerCertificate === true));
    } catch (e) {
      return this.classify(e);
    }
  }
}

// ---------------------------------------------------------------- migration: lock, options, capture
// Statements of `db migrate` and `db check` (db/mssql.test.ts parses those the TransactSQL
// grammar knows; ALTER DATABASE it does not, and is checked by pattern).

export const MIGRATION_LOCK = 'cashflow.db-migrate';

export const TSQL_ADMIN = {
  databaseOptions: `SELECT is_read_committed_snapshot_on AS rcsi, snapshot_isolation_state AS snapshot_isolation,
  is_cdc_enabled AS cdc, collation_name AS collation, compatibility_level AS compatibility
FROM sys.databases WHERE database_id = DB_ID()`,
  // READ_COMMITTED_SNAPSHOT: report readers of contract_cashflows read the last committed rows
  // instead of waiting for the sink's transaction (a group of 300 contracts escalates to a
  // table lock). NO_WAIT: fail at once rather than wait for every other session to leave.
  readCommittedSnapshot: `ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON WITH NO_WAIT`,
  // ALLOW_SNAPSHOT_ISOLATION: the connector's snapshot.isolation.mode=snapshot reads the first
  // snapshot without shared locks (repeatable_read escalates to table locks and blocks writers).
  allowSnapshotIsolation: `ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON`,
  maxTextReplSize: `SELECT CAST(value_in_use AS bigint) AS value FROM sys.configurations WHERE name = N'max text repl size (B)'`,
  // -1: no limit. The default 65,536 bytes makes an insert of terms or states longer than that
  // into a captured table fail (Msg 7139).
  raiseMaxTextReplSize: `EXEC sys.sp_configure @configname = N'max text repl size (B)', @configvalue = -1;
RECONFIGURE`,
  // SQL Server Agent keeps sessions named 'SQLAgent - …' while it runs (seeing other sessions
  // needs VIEW SERVER STATE: without it only our own session is visible and nothing can be told).
  agent: `SELECT SUM(CASE WHEN program_name LIKE N'SQLAgent%' THEN 1 ELSE 0 END) AS agent_sessions, COUNT(*) AS visible
FROM sys.dm_exec_sessions`,
  // The capture job of this database and whether it is executing now (msdb, current Agent session).
  captureJob: `SELECT j.name AS job, a.start_execution_date AS started, a.stop_execution_date AS stopped,
  c.pollinginterval AS polling_interval, c.maxtrans AS max_trans, c.maxscans AS max_scans
FROM msdb.dbo.cdc_jobs AS c
JOIN msdb.dbo.sysjobs AS j ON j.job_id = c.job_id
LEFT JOIN msdb.dbo.sysjobactivity AS a ON a.job_id = j.job_id
  AND a.session_id = (SELECT MAX(session_id) FROM msdb.dbo.syssessions)
WHERE c.database_id = DB_ID() AND c.job_type = N'capture'`,
} as const;

/**
 * Takes the session-owned application lock `cashflow.db-migrate` (waits up to 90 s), so
 * that `db migrate` runs started together (several processes starting) take turns instead of
 * racing into Msg 2714 / 2627. Released when the migration's connection closes.
 */
async function acquireMigrationLock(session: sql.ConnectionPool): Promise<void> {
  const r = await session
    .request()
    .input('Resource', sql.NVarChar(255), MIGRATION_LOCK)
    .input('LockMode', sql.NVarChar(32), 'Exclusive')
    .input('LockOwner', sql.NVarChar(32), 'Session')
    .input('LockTimeout', sql.Int, 90_000) // below the 120 s request timeout
    .execute('sp_getapplock');
  const code = r.returnValue as number;
  // 0 granted, 1 granted after waiting; -1 timeout, -2 cancelled, -3 deadlock victim, -999 error
  if (code < 0) throw new MigrationLockError(code);
}

export class MigrationLockError extends Error {
  constructor(readonly code: number) {
    super(`another \`cashflow db migrate\` holds the application lock ${MIGRATION_LOCK} (sp_getapplock returned ${code}${code === -1 ? ': timed out after 90 s' : ''}); run it again when that one has finished`);
    this.name = 'MigrationLockError';
  }
}

interface DatabaseOptionsRow {
  rcsi: boolean;
  snapshot_isolation: number;
  cdc: boolean;
  collation: string;
  compatibility: number;
}

/** Turns on READ_COMMITTED_SNAPSHOT, ALLOW_SNAPSHOT_ISOLATION and unlimited `max text repl size`; what it cannot do becomes a warning with the command. */
async function ensureDatabaseOptions(session: sql.ConnectionPool, database: string): Promise<string[]> {
  const warnings: string[] = [];
  const opts = (await session.request().query<DatabaseOptionsRow>(TSQL_ADMIN.databaseOptions)).recordset[0];
  if (opts && !opts.rcsi) {
    try {
      await session.request().batch(TSQL_ADMIN.readCommittedSnapshot);
    } catch (e) {
      warnings.push(
        `READ_COMMITTED_SNAPSHOT is off and could not be turned on (${(e as Error).message}): other sessions are in the database. ` +
          `Report readers will wait for the sink's transactions. In a quiet moment: ALTER DATABASE [${database}] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK AFTER 30`,
      );
    }
  }
  if (opts && opts.snapshot_isolation !== 1) {
    try {
      await session.request().batch(TSQL_ADMIN.allowSnapshotIsolation);
    } catch (e) {
      warnings.push(`ALLOW_SNAPSHOT_ISOLATION could not be turned on (${(e as Error).message}); the connector's snapshot.isolation.mode=snapshot needs it: ALTER DATABASE [${database}] SET ALLOW_SNAPSHOT_ISOLATION ON`);
    }
  }
  const repl = (await session.request().query<{ value: string | number }>(TSQL_ADMIN.maxTextReplSize)).recordset[0];
  if (repl && Number(repl.value) !== -1) {
    try {
      await session.request().batch(TSQL_ADMIN.raiseMaxTextReplSize);
    } catch (e) {
      warnings.push(
        `max text repl size is ${repl.value} bytes and could not be raised (${(e as Error).message}): inserting terms or states longer than that into a captured table fails (Msg 7139). ` +
          `As sysadmin: EXEC sp_configure 'max text repl size', -1; RECONFIGURE`,
      );
    }
  }
  return warnings;
}

interface CaptureJobRow {
  job: string;
  started: Date | null;
  stopped: Date | null;
  polling_interval: number;
  max_trans: number;
  max_scans: number;
}

/** Warnings when CDC cannot capture: SQL Server Agent or the capture job not running (the log then grows and nothing reaches Kafka). */
async function captureWarnings(session: sql.ConnectionPool): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const agent = (await session.request().query<{ agent_sessions: number; visible: number }>(TSQL_ADMIN.agent)).recordset[0];
    if (agent && agent.visible > 1 && agent.agent_sessions === 0) {
      warnings.push('SQL Server Agent is not running: CDC captures nothing and the transaction log grows until it does. Start it (Linux: mssql-conf set sqlagent.enabled true, then restart; Windows: the SQL Server Agent service)');
    }
  } catch {
    // no VIEW SERVER STATE: `cashflow db check` reports what it can see
  }
  try {
    const jobs = (await session.request().query<CaptureJobRow>(TSQL_ADMIN.captureJob)).recordset;
    if (jobs.length === 0) warnings.push('no CDC capture job for this database (msdb.dbo.cdc_jobs): run EXEC sys.sp_cdc_add_job @job_type = N\'capture\'');
    else if (!jobs.some((j) => j.started && !j.stopped)) warnings.push(`the CDC capture job ${jobs[0].job} is not running: CDC captures nothing until it does (EXEC sys.sp_cdc_start_job @job_type = N'capture'; it needs SQL Server Agent)`);
  } catch {
    // no rights on msdb: `cashflow db check` says so
  }
  return warnings;
}

// ---------------------------------------------------------------- db check
// What a first run on SQL Server needs (README "SQL Server: first-run checklist"): read as
// facts by queries that each may be refused for lack of rights (then `undefined`: "cannot
// tell"), judged by a pure function.

export const TSQL_CHECK = {
  server: `SELECT CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS version, CONVERT(nvarchar(128), SERVERPROPERTY('Edition')) AS edition,
  SUSER_SNAME() AS login, IS_SRVROLEMEMBER('sysadmin') AS sysadmin`,
  // CONNECTIONPROPERTY reads this session's own row: no VIEW SERVER STATE needed
  encryption: `SELECT CONVERT(nvarchar(10), CONNECTIONPROPERTY('encrypt_option')) AS encrypt`,
  applied: `SELECT id FROM dbo.cashflow_schema_migrations`,
  tracked: `SELECT name FROM sys.tables WHERE is_tracked_by_cdc = 1`,
  idCollations: `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, COLLATION_NAME AS collation FROM INFORMATION_SCHEMA.COLUMNS
WHERE TABLE_SCHEMA = 'dbo' AND COLUMN_NAME IN ('contract_id', 'position_id', 'portfolio_id', 'market_object_code')`,
  permission: `SELECT HAS_PERMS_BY_NAME(@object, 'OBJECT', @permission) AS granted`,
} as const;

/** The rights the pipeline's runtime login uses (db_datareader + db_datawriter give them). */
export const RUNTIME_PERMISSIONS: readonly [object: string, permission: string][] = [
  ...['contract_cashflows', 'cashflow_versions'].flatMap((t) => ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map((p) => [`dbo.${t}`, p] as [string, string])),
  ...['contracts', 'positions', 'market_data'].flatMap((t) => ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map((p) => [`dbo.${t}`, p] as [string, string])),
  ['dbo.position_cashflows', 'SELECT'],
];

export interface MssqlFacts {
  database: string;
  server: { version: string; edition: string; login: string; sysadmin: boolean };
  /** encrypt_option of this connection; trustServerCertificate from DATABASE_URL. */
  encrypted?: boolean;
  trustServerCertificate: boolean;
  options?: DatabaseOptionsRow;
  /** Migration ids applied (undefined: no migrations table). */
  applied?: string[];
  expectedMigrations: string[];
  tracked?: string[];
  idCollations?: { table_name: string; column_name: string; collation: string | null }[];
  missingPermissions?: string[];
  maxTextReplSize?: number;
  agent?: { agent_sessions: number; visible: number };
  /** null: no capture job; undefined: cannot read msdb. */
  captureJob?: CaptureJobRow | null;
}

/** The checks of `cashflow db check` on SQL Server, from the facts (pure). */
export function mssqlChecks(f: MssqlFacts): DatabaseCheck[] {
  const db = f.database;
  const out: DatabaseCheck[] = [];
  const add = (name: string, status: CheckStatus, detail: string, command: string) => out.push({ name, status, detail, command });
  const unknown = (name: string, what: string, command: string) => add(name, 'warn', `cannot tell: ${what}`, command);

  add('connection', 'ok', `SQL Server ${f.server.version} (${f.server.edition}) as ${f.server.login}${f.server.sysadmin ? ' (sysadmin)' : ''}`, `SELECT @@VERSION`);

  const tlsCommand = "SELECT CONNECTIONPROPERTY('encrypt_option')";
  if (f.encrypted === undefined) unknown('tls', 'encrypt_option not readable', tlsCommand);
  else if (!f.encrypted) add('tls', 'fail', 'the connection is not encrypted', `encrypt=true in DATABASE_URL (and ${tlsCommand})`);
  else if (f.trustServerCertificate) add('tls', 'warn', 'encrypted, but the server certificate is not verified (trustServerCertificate=true)', 'trust the CA instead: NODE_EXTRA_CA_CERTS=<ca.pem>, trustServerCertificate=false');
  else add('tls', 'ok', 'encrypted, server certificate verified', tlsCommand);

  const o = f.options;
  const optionsCommand = `SELECT compatibility_level, is_read_committed_snapshot_on, snapshot_isolation_state_desc, is_cdc_enabled FROM sys.databases WHERE name = N'${db}'`;
  if (!o) unknown('compatibility', 'sys.databases not readable', optionsCommand);
  else if (o.compatibility < 130) add('compatibility', 'fail', `compatibility level ${o.compatibility}: OPENJSON needs 130 (SQL Server 2016) or later`, `ALTER DATABASE [${db}] SET COMPATIBILITY_LEVEL = 130`);
  else add('compatibility', 'ok', `compatibility level ${o.compatibility}`, optionsCommand);

  const missing = f.applied === undefined ? f.expectedMigrations : f.expectedMigrations.filter((m) => !f.applied!.includes(m));
  if (missing.length) add('schema', 'fail', `migrations not applied: ${missing.join(', ')}`, 'cashflow db migrate');
  else add('schema', 'ok', `migrations applied: ${f.expectedMigrations.join(', ')}`, 'SELECT id FROM dbo.cashflow_schema_migrations');

  if (f.missingPermissions === undefined) unknown('permissions', 'HAS_PERMS_BY_NAME refused', "SELECT HAS_PERMS_BY_NAME('dbo.contract_cashflows', 'OBJECT', 'INSERT')");
  else if (f.missingPermissions.length) add('permissions', 'fail', `${f.server.login} lacks ${f.missingPermissions.join(', ')}`, `ALTER ROLE db_datareader ADD MEMBER [<user>]; ALTER ROLE db_datawriter ADD MEMBER [<user>]`);
  else add('permissions', 'ok', `${f.server.login} can read and write the source and result tables`, "SELECT HAS_PERMS_BY_NAME('dbo.contract_cashflows', 'OBJECT', 'INSERT')");

  if (!o) unknown('cdc-database', 'sys.databases not readable', optionsCommand);
  else if (!o.cdc) add('cdc-database', 'fail', 'CDC is not enabled on the database', 'cashflow db migrate (as sysadmin), or EXEC sys.sp_cdc_enable_db');
  else add('cdc-database', 'ok', 'CDC enabled on the database', optionsCommand);

  const trackedCommand = 'SELECT name FROM sys.tables WHERE is_tracked_by_cdc = 1';
  if (f.tracked === undefined) unknown('cdc-tables', 'sys.tables not readable', trackedCommand);
  else {
    const untracked = CAPTURED_TABLES.filter((t) => !f.tracked!.includes(t));
    if (untracked.length) add('cdc-tables', 'fail', `not captured: ${untracked.join(', ')}`, `cashflow db migrate, or EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'${untracked[0]}', @role_name = NULL`);
    else add('cdc-tables', 'ok', `captured: ${CAPTURED_TABLES.join(', ')}`, trackedCommand);
  }

  const agentCommand = "SELECT program_name FROM sys.dm_exec_sessions WHERE program_name LIKE N'SQLAgent%'";
  if (!f.agent || f.agent.visible <= 1) unknown('agent', 'other sessions are not visible (needs VIEW SERVER STATE)', agentCommand);
  else if (f.agent.agent_sessions === 0) add('agent', 'fail', 'SQL Server Agent is not running: CDC captures nothing and the log grows', 'start SQL Server Agent (Linux: mssql-conf set sqlagent.enabled true; restart)');
  else add('agent', 'ok', 'SQL Server Agent is running', agentCommand);

  const jobCommand = 'EXEC sys.sp_cdc_help_jobs';
  if (f.captureJob === undefined) unknown('capture-job', 'msdb not readable', jobCommand);
  else if (f.captureJob === null) add('capture-job', 'fail', 'no CDC capture job for this database', "EXEC sys.sp_cdc_add_job @job_type = N'capture'");
  else {
    const j = f.captureJob;
    const latency = `polls every ${j.polling_interval} s (${j.max_trans} transactions × ${j.max_scans} scans per cycle): a change reaches Kafka up to ~${j.polling_interval} s after commit`;
    if (!j.started || j.stopped) add('capture-job', 'fail', `${j.job} is not running; it ${latency}`, "EXEC sys.sp_cdc_start_job @job_type = N'capture'");
    else add('capture-job', 'ok', `${j.job} running; ${latency}`, `${jobCommand}; lower latency: EXEC sys.sp_cdc_change_job @job_type = N'capture', @pollinginterval = 1 (then stop and start the job)`);
  }

  if (!o) unknown('snapshot-isolation', 'sys.databases not readable', optionsCommand);
  else if (o.snapshot_isolation !== 1) add('snapshot-isolation', 'fail', "ALLOW_SNAPSHOT_ISOLATION is off: the connector's snapshot.isolation.mode=snapshot fails", `ALTER DATABASE [${db}] SET ALLOW_SNAPSHOT_ISOLATION ON`);
  else add('snapshot-isolation', 'ok', 'ALLOW_SNAPSHOT_ISOLATION on (the connector snapshots without shared locks)', optionsCommand);

  if (!o) unknown('rcsi', 'sys.databases not readable', optionsCommand);
  else if (!o.rcsi) add('rcsi', 'fail', "READ_COMMITTED_SNAPSHOT is off: report readers wait for the sink's transactions", `ALTER DATABASE [${db}] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK AFTER 30`);
  else add('rcsi', 'ok', 'READ_COMMITTED_SNAPSHOT on (readers do not block on the sink)', optionsCommand);

  const collationCommand = "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE COLUMN_NAME LIKE '%[_]id' OR COLUMN_NAME = 'market_object_code'";
  if (f.idCollations === undefined) unknown('collation', 'INFORMATION_SCHEMA not readable', collationCommand);
  else {
    const wrong = f.idCollations.filter((c) => c.collation !== ID_COLLATION);
    if (wrong.length) add('collation', 'fail', `id columns not ${ID_COLLATION}: ${wrong.map((c) => `${c.table_name}.${c.column_name} (${c.collation})`).join(', ')}; 'abc' and 'ABC' would be one contract`, 'recreate the tables with db/sql/mssql/001_init.sql');
    else add('collation', 'ok', `id columns ${ID_COLLATION} (database ${o?.collation ?? '?'})`, collationCommand);
  }

  const replCommand = "SELECT value_in_use FROM sys.configurations WHERE name = N'max text repl size (B)'";
  if (f.maxTextReplSize === undefined) unknown('max-text-repl-size', 'sys.configurations not readable', replCommand);
  else if (f.maxTextReplSize !== -1 && f.maxTextReplSize < 2 ** 31 - 1) add('max-text-repl-size', 'fail', `${f.maxTextReplSize} bytes: inserting terms or states longer than that into a captured table fails (Msg 7139)`, "EXEC sp_configure 'max text repl size', -1; RECONFIGURE");
  else add('max-text-repl-size', 'ok', 'unlimited', replCommand);

  return out;
}

/** Runs a fact query; undefined when refused (rights) rather than failing the whole check. */
async function fact<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (classifyMssqlError(e).kind === 'transient') throw e;
    return undefined;
  }
}

export async function readMssqlFacts(pool: sql.ConnectionPool, database: string, trustServerCertificate: boolean): Promise<MssqlFacts> {
  const q = <T>(text: string) => async () => (await pool.request().query<T>(text)).recordset;
  const server = (await pool.request().query<MssqlFacts['server']>(TSQL_CHECK.server)).recordset[0];
  const missingPermissions = await fact(async () => {
    const missing: string[] = [];
    for (const [object, permission] of RUNTIME_PERMISSIONS) {
      const r = await pool.request().input('object', sql.NVarChar(256), object).input('permission', sql.NVarChar(64), permission).query<{ granted: number | null }>(TSQL_CHECK.permission);
      if (r.recordset[0]?.granted !== 1) missing.push(`${permission} on ${object}`);
    }
    return missing;
  });
  return {
    database,
    server: { ...server, sysadmin: Boolean(server.sysadmin) },
    encrypted: await fact(async () => {
      const v = (await q<{ encrypt: string | boolean }>(TSQL_CHECK.encryption)())[0]?.encrypt;
      return v === true || String(v).toUpperCase() === 'TRUE';
    }),
    trustServerCertificate,
    options: await fact(async () => (await q<DatabaseOptionsRow>(TSQL_ADMIN.databaseOptions)())[0]),
    applied: await fact(async () => (await q<{ id: string }>(TSQL_CHECK.applied)()).map((r) => r.id)),
    expectedMigrations: migrations('mssql').map((m) => m.id),
    tracked: await fact(async () => (await q<{ name: string }>(TSQL_CHECK.tracked)()).map((r) => r.name)),
    idCollations: await fact(q<{ table_name: string; column_name: string; collation: string | null }>(TSQL_CHECK.idCollations)),
    missingPermissions,
    maxTextReplSize: await fact(async () => Number((await q<{ value: string | number }>(TSQL_ADMIN.maxTextReplSize)())[0]?.value)),
    agent: await fact(async () => (await q<{ agent_sessions: number; visible: number }>(TSQL_ADMIN.agent)())[0]),
    captureJob: await fact(async () => (await q<CaptureJobRow>(TSQL_ADMIN.captureJob)())[0] ?? null),
  };
}
