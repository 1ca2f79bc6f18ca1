-- Source and result tables (issue 6, CONTRACTS.md "Database"). Applied once by
-- `cashflow db migrate`, recorded in cashflow_schema_migrations. Idempotent anyway.

-- Sources: written by other systems, captured by Debezium.
CREATE TABLE IF NOT EXISTS contracts (
  contract_id   text NOT NULL PRIMARY KEY,
  contract_type text NOT NULL,
  -- the ACTUS terms object as JSON text, exactly like a test bed's `terms`; text, not jsonb,
  -- so that a malformed row is stored and dead-lettered rather than refused
  terms         text NOT NULL,
  updated_at    timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

CREATE TABLE IF NOT EXISTS positions (
  position_id  text NOT NULL PRIMARY KEY,
  portfolio_id text NOT NULL,
  contract_id  text NOT NULL,
  quantity     double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS positions_portfolio_idx ON positions (portfolio_id, contract_id);

CREATE TABLE IF NOT EXISTS market_data (
  market_object_code text NOT NULL,
  observed_at        timestamp NOT NULL,
  value              double precision NOT NULL,
  PRIMARY KEY (market_object_code, observed_at)
);

CREATE TABLE IF NOT EXISTS observed_events (
  contract_id text NOT NULL,
  event_type  text NOT NULL,
  observed_at timestamp NOT NULL,
  value       double precision,
  states      text,
  PRIMARY KEY (contract_id, event_type, observed_at)
);

-- Full before-images in change events (updates and deletes of any column).
ALTER TABLE contracts REPLICA IDENTITY FULL;
ALTER TABLE positions REPLICA IDENTITY FULL;
ALTER TABLE market_data REPLICA IDENTITY FULL;
ALTER TABLE observed_events REPLICA IDENTITY FULL;

-- Results: written only by the sink.
CREATE TABLE IF NOT EXISTS contract_cashflows (
  contract_id           text NOT NULL,
  seq                   integer NOT NULL,
  event_date            timestamp NOT NULL,
  event_type            text NOT NULL,
  currency              text,
  payoff                double precision NOT NULL,
  notional_principal    double precision,
  nominal_interest_rate double precision,
  accrued_interest      double precision,
  version               bigint NOT NULL,
  PRIMARY KEY (contract_id, seq)
);

CREATE TABLE IF NOT EXISTS cashflow_versions (
  contract_id text NOT NULL PRIMARY KEY,
  version     bigint NOT NULL,
  fingerprint text,
  event_count integer NOT NULL DEFAULT 0,
  computed_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  status      text NOT NULL DEFAULT 'computed',
  reason      text
);

-- A position's cash flows are its contract's scaled by its quantity: a position change needs
-- no recalculation.
CREATE OR REPLACE VIEW position_cashflows AS
SELECT p.position_id,
       p.portfolio_id,
       p.contract_id,
       p.quantity,
       c.seq,
       c.event_date,
       c.event_type,
       c.currency,
       c.payoff * p.quantity             AS payoff,
       c.notional_principal * p.quantity AS notional_principal,
       c.nominal_interest_rate,
       c.accrued_interest * p.quantity   AS accrued_interest,
       c.version
FROM positions p
JOIN contract_cashflows c ON c.contract_id = p.contract_id;
