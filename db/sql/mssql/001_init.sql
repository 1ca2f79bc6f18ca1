-- Source and result tables for SQL Server (issue 6, CONTRACTS.md "Database"), the twin of
-- db/sql/postgres/001_init.sql. Batches are separated by GO; `cashflow db migrate` runs them
-- one by one and records the file in dbo.cashflow_schema_migrations. Idempotent anyway.
-- CDC: sys.sp_cdc_enable_db needs sysadmin, and SQL Server Agent must run for capture.
-- Ids are binary-collated (Latin1_General_100_BIN2): 'abc' and 'ABC' are two contracts, as in
-- PostgreSQL and in the pipeline; db/mssql/tsql.ts ID_COLLATION uses the same in its #temp tables.

IF OBJECT_ID(N'dbo.contracts', N'U') IS NULL
CREATE TABLE dbo.contracts (
  contract_id   nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
  contract_type nvarchar(20) NOT NULL,
  terms         nvarchar(max) NOT NULL,
  updated_at    datetime2 NOT NULL DEFAULT SYSUTCDATETIME()
);
GO

IF OBJECT_ID(N'dbo.positions', N'U') IS NULL
CREATE TABLE dbo.positions (
  position_id  nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
  portfolio_id nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
  contract_id  nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
  quantity     float NOT NULL
);
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'positions_portfolio_idx')
CREATE INDEX positions_portfolio_idx ON dbo.positions (portfolio_id, contract_id);
GO

IF OBJECT_ID(N'dbo.market_data', N'U') IS NULL
CREATE TABLE dbo.market_data (
  market_object_code nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
  observed_at        datetime2 NOT NULL,
  value              float NOT NULL,
  CONSTRAINT market_data_pk PRIMARY KEY (market_object_code, observed_at)
);
GO

IF OBJECT_ID(N'dbo.observed_events', N'U') IS NULL
CREATE TABLE dbo.observed_events (
  contract_id nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
  event_type  nvarchar(20) COLLATE Latin1_General_100_BIN2 NOT NULL,
  observed_at datetime2 NOT NULL,
  value       float NULL,
  states      nvarchar(max) NULL,
  CONSTRAINT observed_events_pk PRIMARY KEY (contract_id, event_type, observed_at)
);
GO

IF OBJECT_ID(N'dbo.contract_cashflows', N'U') IS NULL
CREATE TABLE dbo.contract_cashflows (
  contract_id           nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
  seq                   int NOT NULL,
  event_date            datetime2 NOT NULL,
  event_type            nvarchar(20) NOT NULL,
  currency              nvarchar(20) NULL,
  payoff                float NOT NULL,
  notional_principal    float NULL,
  nominal_interest_rate float NULL,
  accrued_interest      float NULL,
  version               bigint NOT NULL,
  CONSTRAINT contract_cashflows_pk PRIMARY KEY (contract_id, seq)
);
GO

IF OBJECT_ID(N'dbo.cashflow_versions', N'U') IS NULL
CREATE TABLE dbo.cashflow_versions (
  contract_id nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
  version     bigint NOT NULL,
  fingerprint nvarchar(100) NULL,
  event_count int NOT NULL DEFAULT 0,
  computed_at datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
  status      nvarchar(20) NOT NULL DEFAULT N'computed',
  reason      nvarchar(max) NULL
);
GO

DROP VIEW IF EXISTS dbo.position_cashflows;
GO

-- A position's cash flows are its contract's scaled by its quantity.
CREATE VIEW dbo.position_cashflows AS
SELECT p.position_id,
       p.portfolio_id,
       p.contract_id,
       p.quantity,
       c.seq,
       c.event_date,
       c.event_type,
       c.currency,
       c.payoff * p.quantity AS payoff,
       c.notional_principal * p.quantity AS notional_principal,
       c.nominal_interest_rate,
       c.accrued_interest * p.quantity AS accrued_interest,
       c.version
FROM dbo.positions AS p
JOIN dbo.contract_cashflows AS c ON c.contract_id = p.contract_id;
GO

-- Change data capture for the source tables (@role_name = NULL: no gating role).
-- The guards below skip a table that is tracked at all: a later migration that alters a captured
-- table must add a new capture instance itself (db/sql/mssql/capture-instance-switch.sql).
IF (SELECT is_cdc_enabled FROM sys.databases WHERE name = DB_NAME()) = 0
EXEC sys.sp_cdc_enable_db;
GO

IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'contracts' AND is_tracked_by_cdc = 1)
EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'contracts', @role_name = NULL;
GO

IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'positions' AND is_tracked_by_cdc = 1)
EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'positions', @role_name = NULL;
GO

IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'market_data' AND is_tracked_by_cdc = 1)
EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'market_data', @role_name = NULL;
GO

IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'observed_events' AND is_tracked_by_cdc = 1)
EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'observed_events', @role_name = NULL;
GO
