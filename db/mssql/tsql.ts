// The T-SQL the SQL Server twin sends to its tables: the migrations table, the #temp staging
// tables and the set-based statements over them (reads and writes), and the id collation they
// share with the tables. No MERGE (docs/operations.md "Writing results and moving records
// fast"). The statements on the server itself are migrate.ts TSQL_ADMIN and check.ts TSQL_CHECK.
import { ID_LENGTH } from '../schema.js';

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

/** The statements (db/schema.test.ts parses each one, db/mssql/tsql.test.ts checks collations and locking hints). */
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
