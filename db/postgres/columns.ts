// The column lists of contract_cashflows and cashflow_versions as the statements read and write them.

/** contract_cashflows' columns in the order of the COPY rows (wire/copy-binary.ts, wire/copy-text.ts). */
export const CASHFLOW_COPY_COLUMNS =
  'contract_id, seq, event_date, event_type, currency, payoff, notional_principal, nominal_interest_rate, accrued_interest, version';

export const CASHFLOW_COLUMNS = `contract_id AS "contractId", seq, event_date AS "eventDate", event_type AS "eventType",
  currency, payoff, notional_principal AS "notionalPrincipal",
  nominal_interest_rate AS "nominalInterestRate", accrued_interest AS "accruedInterest", version`;

export const VERSION_COLUMNS = `contract_id AS "contractId", version, fingerprint, event_count AS "eventCount",
  computed_at AS "computedAt", status, reason`;
