// Reconciliation of the result tables with the source tables (`cashflow verify`, the verifier
// processor, the fault tests): a pure comparison of the expectation (processors/expectation.ts:
// what the engine computes from the sources, as the pipeline does) with what contract_cashflows /
// cashflow_versions hold.
//
// Numbers are compared exactly (===). Both databases round-trip a double unchanged: the sink
// writes PostgreSQL `double precision` in binary COPY (the 8 bytes) and storedResults reads
// them back the same way (COPY … TO STDOUT (FORMAT binary), decodeCashflowCopy in
// db/postgres/copy-read.ts, into columns: db/cashflow-columns.ts); SQL Server `float` (float(53)) travels as the 8-byte IEEE value over TDS
// both ways. db/postgres/postgres.test.ts checks the round trip of awkward
// values through applyResults and storedResults. -0 and 0 count as equal (the same amount).
import { CashflowColumns, NULL_ACCRUED, NULL_NOTIONAL, NULL_RATE } from '../db/cashflow-columns.js';
import type { CashflowRow, CashflowVersion, ObservedEventRow } from '../db/database.js';
import type { MarketSeries, StoredContract } from '../state/model.js';
import { computationOf, computeSchedule, type ComputedSchedule } from './calculator.js';
import { expectationOf, type ExpectedResult, type PreparedExpectation } from './expectation.js';

export type { ObservedEventRow };
export { expectedResult, prepareExpectation, seriesOf, storedContractOf, type ExpectedResult, type PreparedExpectation } from './expectation.js';

/** What the result tables hold for a contract. */
export interface StoredResult {
  contractId: string;
  version: CashflowVersion | null;
  /** Its contract_cashflows rows in seq order. */
  rows: CashflowRow[];
}

/**
 * - `equal`: the stored result is exactly the expected one;
 * - `missing`: a result is expected (computed with events, or waiting) and there is no version
 *   row, or a computed one without any row;
 * - `stale`: the stored result is whole (version row, event count, seq 0..n-1, every row of the
 *   row's version) but it is the result of other inputs: its status or fingerprint is not the
 *   one the sources give now and its content differs. The pipeline has not (yet) caught up with
 *   a source change, or lost one;
 * - `extra`: rows or a live version row for a contract that should have none (deleted from
 *   `contracts`), or rows beside a `waiting` result;
 * - `differing`: the stored result claims the expected computation (same status and
 *   fingerprint) yet its rows differ, or it is not whole: what the sink wrote is not what the
 *   calculator computed;
 * - `rejected`: nothing is expected (see ExpectedResult).
 */
export type VerdictKind = 'equal' | 'missing' | 'stale' | 'extra' | 'differing' | 'rejected';

export interface Difference {
  contractId: string;
  /** The row's seq, null for the version row. */
  seq: number | null;
  field: string;
  expected: string | number | null;
  found: string | number | null;
}

export interface Verdict {
  contractId: string;
  kind: VerdictKind;
  expectedStatus: ExpectedResult['status'];
  /** The stored version (null without a version row). */
  storedVersion: number | null;
  /** The first differences (at most `maxDifferences`), empty when equal. */
  differences: Difference[];
}

// ------------------------------------------------------------------------ the comparison

const ROW_FIELDS = ['eventDate', 'eventType', 'currency', 'payoff', 'notionalPrincipal', 'nominalInterestRate', 'accruedInterest'] as const;

/** Exact equality of two stored values (numbers to the bit, -0 = 0; null only equals null). */
function same(a: string | number | null | undefined, b: string | number | null | undefined): boolean {
  return (a ?? null) === (b ?? null);
}

/**
 * The stored result against the expected one: the verdict and its first differences, field by
 * field (every column contract_cashflows and cashflow_versions store, except computed_at, the
 * wall clock of the computation). Pure.
 */
export function compareResult(expected: ExpectedResult, stored: StoredResult, maxDifferences = 20): Verdict {
  const id = expected.contractId;
  const v = stored.version;
  const rows = stored.rows;
  const differences: Difference[] = [];
  const differ = (seq: number | null, field: string, exp: string | number | null, found: string | number | null) => {
    if (differences.length < maxDifferences) differences.push({ contractId: id, seq, field, expected: exp, found });
  };
  const verdict = (kind: VerdictKind): Verdict => ({ contractId: id, kind, expectedStatus: expected.status, storedVersion: v?.version ?? null, differences: kind === 'equal' || kind === 'rejected' ? [] : differences });

  if (expected.status === 'rejected') return verdict('rejected');

  // whole: the rows are those of the version row's result (the sink replaces them together)
  let whole = v !== null && v.eventCount === rows.length && (v.status === 'computed' || rows.length === 0);
  for (let i = 0; i < rows.length && whole; i++) if (rows[i].seq !== i || rows[i].version !== v!.version) whole = false;

  if (expected.status === 'deleted') {
    if (v && v.status !== 'deleted') differ(null, 'status', 'deleted', v.status);
    if (rows.length) differ(rows[0].seq, 'rows', 0, rows.length);
    return verdict(differences.length ? 'extra' : 'equal');
  }

  if (!v) {
    differ(null, 'version row', 'present', null);
    if (rows.length) differ(null, 'rows', expected.events.length, rows.length);
    return verdict('missing');
  }

  // the version row
  if (v.status !== expected.status) differ(null, 'status', expected.status, v.status);
  if (!same(v.fingerprint, expected.fingerprint)) differ(null, 'fingerprint', expected.fingerprint, v.fingerprint);
  if (expected.status === 'waiting' && !same(v.reason, expected.reason)) differ(null, 'reason', expected.reason, v.reason);
  if (v.eventCount !== expected.events.length) differ(null, 'event_count', expected.events.length, v.eventCount);
  if (rows.length !== expected.events.length) differ(null, 'rows', expected.events.length, rows.length);
  const headDifferences = differences.length;

  // the rows, seq by seq
  const n = Math.max(rows.length, expected.events.length);
  let rowsDiffer = false;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const e = expected.events[i];
    if (!r) {
      rowsDiffer = true;
      differ(i, 'row', 'present', null);
      continue;
    }
    if (!e) {
      rowsDiffer = true;
      differ(r.seq, 'row', null, 'present');
      continue;
    }
    if (r.seq !== i) {
      rowsDiffer = true;
      differ(r.seq, 'seq', i, r.seq);
    }
    if (r.version !== v.version) {
      rowsDiffer = true;
      differ(r.seq, 'version', v.version, r.version);
    }
    // the usual case, equal, in one test of named fields (no keyed reads per row); the loop below names the differences
    if (
      r.eventDate === e.eventDate &&
      r.eventType === e.eventType &&
      same(r.currency, e.currency) &&
      r.payoff === e.payoff &&
      same(r.notionalPrincipal, e.notionalPrincipal) &&
      same(r.nominalInterestRate, e.nominalInterestRate) &&
      same(r.accruedInterest, e.accruedInterest)
    ) {
      continue;
    }
    for (const f of ROW_FIELDS) {
      if (!same(r[f], e[f])) {
        rowsDiffer = true;
        differ(r.seq, f, e[f], r[f]);
      }
    }
  }
  if (differences.length === 0 && !rowsDiffer && headDifferences === 0) return verdict('equal');

  if (expected.status === 'waiting' && v.status === 'waiting' && rows.length > 0 && same(v.fingerprint, expected.fingerprint)) return verdict('extra');
  if (expected.status === 'computed' && expected.events.length > 0 && rows.length === 0 && v.status === 'computed') return verdict('missing');
  const sameComputation = v.status === expected.status && same(v.fingerprint, expected.fingerprint);
  // a whole result of another computation whose content differs: from other inputs
  if (!sameComputation && whole && (rowsDiffer || v.status !== expected.status || v.eventCount !== expected.events.length)) return verdict('stale');
  return verdict('differing');
}

/**
 * A contract's stored result with its rows as a stretch of a page's columns (rows [start, end)
 * of `columns`, one run of the contract's rows): how verify reads a page, no object per row.
 */
export interface StoredRun {
  contractId: string;
  version: CashflowVersion | null;
  columns: CashflowColumns;
  start: number;
  end: number;
}

/** A stored result as StoredResult (its rows as objects), for compareResult. */
export function storedResultOf(stored: StoredResult | StoredRun): StoredResult {
  if (!('columns' in stored)) return stored;
  return { contractId: stored.contractId, version: stored.version, rows: stored.columns.rowsOf(stored.start, stored.end, stored.contractId) };
}

/** A stored result as StoredRun (its rows as columns). */
export function storedRunOf(stored: StoredResult | StoredRun): StoredRun {
  if ('columns' in stored) return stored;
  return { contractId: stored.contractId, version: stored.version, columns: CashflowColumns.of(stored.rows), start: 0, end: stored.rows.length };
}

/**
 * expectedResult + compareResult, with the usual case, a stored result equal to the computed
 * schedule, decided on the engine's events and the stored columns in place (no CashflowEvent
 * per event, no object per stored row): whatever it does not find equal goes through
 * compareResult, which alone names differences. Pure.
 */
export function checkResult(
  p: PreparedExpectation,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
  stored: StoredResult | StoredRun,
  maxDifferences = 20,
): Verdict {
  if (p.decided) return compareResult(p.decided, storedResultOf(stored), maxDifferences);
  const s = computeSchedule(p.prepared!, series, referenced, horizon);
  if (!('engineEvents' in s)) return compareResult(expectationOf(p, s), storedResultOf(stored), maxDifferences);
  const v = stored.version;
  if (v !== null && storedAsComputed(s, v, storedRunOf(stored))) {
    return { contractId: p.contractId, kind: 'equal', expectedStatus: 'computed', storedVersion: v.version, differences: [] };
  }
  return compareResult(expectationOf(p, computationOf(s)), storedResultOf(stored), maxDifferences);
}

/** `same` of a stored nullable double (NULL when its bit is set in `nulls`) and an expected value. */
function sameNullable(nulls: number, bit: number, stored: number, expected: number | null | undefined): boolean {
  return nulls & bit ? (expected ?? null) === null : stored === expected;
}

/**
 * Exactly compareResult's `equal` for a computed expectation, read off the engine's events as
 * cashflowEvents (wire/cashflow-events.ts) shapes them and off the stored columns: the version
 * row's status, fingerprint and count; every row's seq, version and fields (states a type does
 * not report are null). The event date is compared as its second: a stored date's second is
 * set only where its text is the plain `YYYY-MM-DDTHH:MM:SS` of years 1 to 9999
 * (db/cashflow-columns.ts), where formatDate(t) is that text exactly when ⌊t / 1000⌋ is that
 * second; any other stored date (NaN) is left to compareResult.
 */
function storedAsComputed(s: ComputedSchedule, v: CashflowVersion, run: StoredRun): boolean {
  const events = s.engineEvents;
  const n = events.length;
  const { columns: c, start } = run;
  if (v.status !== 'computed' || v.fingerprint !== s.fingerprint || v.eventCount !== n || run.end - start !== n) return false;
  const reported = s.prepared.type.reportedStates;
  const nt = reported.includes('notionalPrincipal'), ir = reported.includes('nominalInterestRate'), ac = reported.includes('accruedInterest');
  const { seq, second, eventType, currency, payoff, notionalPrincipal, nominalInterestRate, accruedInterest, nulls, version, texts } = c;
  for (let i = 0; i < n; i++) {
    const r = start + i;
    const e = events[i];
    const isNull = nulls[r];
    if (
      seq[r] !== i ||
      version[r] !== v.version ||
      texts[eventType[r]] !== e.type ||
      !same(texts[currency[r]], e.currency) ||
      payoff[r] !== e.payoff ||
      !sameNullable(isNull, NULL_NOTIONAL, notionalPrincipal[r], nt ? e.notionalPrincipal : null) ||
      !sameNullable(isNull, NULL_RATE, nominalInterestRate[r], ir ? e.nominalInterestRate : null) ||
      !sameNullable(isNull, NULL_ACCRUED, accruedInterest[r], ac ? e.accruedInterest : null) ||
      second[r] !== Math.floor(e.time / 1000)
    ) {
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------------ tallies

export interface VerifyCounts {
  /** Contracts checked (ids of the sources, of cashflow_versions and of contract_cashflows). */
  checked: number;
  equal: number;
  missing: number;
  stale: number;
  extra: number;
  differing: number;
  /** Expected `waiting` (the engine cannot compute them yet), whatever their verdict. */
  waiting: number;
  /** Expected `deleted` (absent from contracts), whatever their verdict. */
  deleted: number;
  /** Terms the ingest dead-letters: nothing expected. */
  rejected: number;
  /** contract_cashflows rows compared. */
  rows: number;
}

export function emptyCounts(): VerifyCounts {
  return { checked: 0, equal: 0, missing: 0, stale: 0, extra: 0, differing: 0, waiting: 0, deleted: 0, rejected: 0, rows: 0 };
}

/** The number of contracts whose stored result is wrong (anything but equal or rejected). */
export function mismatchCount(c: VerifyCounts): number {
  return c.missing + c.stale + c.extra + c.differing;
}

export function countVerdict(counts: VerifyCounts, v: Verdict, rows: number): void {
  counts.checked++;
  counts.rows += rows;
  counts[v.kind]++;
  if (v.expectedStatus === 'waiting') counts.waiting++;
  if (v.expectedStatus === 'deleted') counts.deleted++;
}
