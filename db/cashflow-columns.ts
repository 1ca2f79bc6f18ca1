// contract_cashflows rows as columns: one typed array per field and no object per row. A
// verification page holds ~170,000 rows; as objects they cost most of `verify --all`'s decoding
// and garbage collection (bench/README.md, `cashflow bench verify`). The PostgreSQL reader
// fills the columns straight from the COPY binary bytes (db/postgres/copy-read.ts), the SQL Server reader
// and the text fallback from rows (CashflowColumns.of); processors/verification.ts compares the
// engine's events with them in place.
import type { CashflowEvent } from '../schemas/types.js';

/**
 * A row of contract_cashflows (dates `YYYY-MM-DDTHH:MM:SS`): a published event without the
 * option fields the table does not store, at its place in the schedule and its version.
 */
export interface CashflowRow extends Omit<CashflowEvent, 'exerciseDate' | 'exerciseAmount'> {
  contractId: string;
  seq: number;
  version: number;
}

/** Bits of `nulls`: which nullable doubles of a row are NULL. */
export const NULL_NOTIONAL = 1;
export const NULL_RATE = 2;
export const NULL_ACCRUED = 4;

/** Seconds since 1970 of 0001-01-01T00:00:00 and 9999-12-31T23:59:59 (UTC): the years a date's text has four digits. */
const FIRST_SECOND = new Date('0001-01-01T00:00:00Z').getTime() / 1000;
const LAST_SECOND = new Date('9999-12-31T23:59:59Z').getTime() / 1000;
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** A second (since 1970, UTC) whose `YYYY-MM-DDTHH:MM:SS` form is the plain one: years 1 to 9999. */
export function isPlainSecond(second: number): boolean {
  return Number.isInteger(second) && second >= FIRST_SECOND && second <= LAST_SECOND;
}

const isoBySecond = new Map<number, string>();

/** `YYYY-MM-DDTHH:MM:SS` of a plain second (isPlainSecond). */
export function isoOfSecond(second: number): string {
  let iso = isoBySecond.get(second);
  if (iso === undefined) {
    iso = new Date(second * 1000).toISOString().slice(0, 19);
    if (isoBySecond.size >= 100_000) isoBySecond.clear();
    isoBySecond.set(second, iso);
  }
  return iso;
}

/**
 * Rows of contract_cashflows in the readers' order (contract_id, seq). A contract's consecutive
 * rows form a run (`runIds`, `runStarts`); event types and currencies are codes into `texts`
 * (currency 0: NULL); event dates are seconds since 1970, or NaN with the date's text in
 * `oddDates` where it is not a plain second (a text read of `infinity`, say).
 */
export class CashflowColumns {
  length = 0;
  readonly runIds: string[] = [];
  /** The first row of each run; run k ends where run k + 1 starts (the last at `length`). */
  readonly runStarts: number[] = [];
  readonly texts: (string | null)[] = [null];
  readonly oddDates = new Map<number, string>();
  seq: Int32Array;
  second: Float64Array;
  eventType: Uint16Array;
  currency: Uint16Array;
  payoff: Float64Array;
  notionalPrincipal: Float64Array;
  nominalInterestRate: Float64Array;
  accruedInterest: Float64Array;
  nulls: Uint8Array;
  version: Float64Array;
  private readonly codes = new Map<string, number>();

  constructor(capacity = 256) {
    this.seq = new Int32Array(capacity);
    this.second = new Float64Array(capacity);
    this.eventType = new Uint16Array(capacity);
    this.currency = new Uint16Array(capacity);
    this.payoff = new Float64Array(capacity);
    this.notionalPrincipal = new Float64Array(capacity);
    this.nominalInterestRate = new Float64Array(capacity);
    this.accruedInterest = new Float64Array(capacity);
    this.nulls = new Uint8Array(capacity);
    this.version = new Float64Array(capacity);
  }

  /** The columns of these rows (the SQL Server reader, the text read, in-memory readers). */
  static of(rows: readonly CashflowRow[]): CashflowColumns {
    const c = new CashflowColumns(Math.max(rows.length, 1));
    for (const r of rows) c.push(r);
    return c;
  }

  get capacity(): number {
    return this.seq.length;
  }

  /** Room for `n` rows in all (the decoder writes the arrays directly). */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    const grow = <T extends Int32Array | Float64Array | Uint16Array | Uint8Array>(a: T, make: (k: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.seq = grow(this.seq, (k) => new Int32Array(k));
    this.second = grow(this.second, (k) => new Float64Array(k));
    this.eventType = grow(this.eventType, (k) => new Uint16Array(k));
    this.currency = grow(this.currency, (k) => new Uint16Array(k));
    this.payoff = grow(this.payoff, (k) => new Float64Array(k));
    this.notionalPrincipal = grow(this.notionalPrincipal, (k) => new Float64Array(k));
    this.nominalInterestRate = grow(this.nominalInterestRate, (k) => new Float64Array(k));
    this.accruedInterest = grow(this.accruedInterest, (k) => new Float64Array(k));
    this.nulls = grow(this.nulls, (k) => new Uint8Array(k));
    this.version = grow(this.version, (k) => new Float64Array(k));
  }

  /** The code of a text (an event type or currency; codes start at 1). */
  textCode(s: string): number {
    let code = this.codes.get(s);
    if (code === undefined) {
      code = this.texts.push(s) - 1;
      if (code > 0xffff) throw new RangeError('contract_cashflows page: more than 65,535 distinct event types and currencies');
      this.codes.set(s, code);
    }
    return code;
  }

  /** Starts a run of `contractId`'s rows at the next row. */
  startRun(contractId: string): void {
    this.runIds.push(contractId);
    this.runStarts.push(this.length);
  }

  runEnd(k: number): number {
    return k + 1 < this.runStarts.length ? this.runStarts[k + 1] : this.length;
  }

  push(r: CashflowRow): void {
    const i = this.length;
    if (i === this.capacity) this.reserve(2 * i + 16);
    if (this.runIds.length === 0 || this.runIds[this.runIds.length - 1] !== r.contractId) this.startRun(r.contractId);
    this.seq[i] = r.seq;
    const second = PLAIN_DATE.test(r.eventDate) ? Date.parse(`${r.eventDate}Z`) / 1000 : NaN;
    if (isPlainSecond(second) && isoOfSecond(second) === r.eventDate) this.second[i] = second;
    else {
      this.second[i] = NaN;
      this.oddDates.set(i, r.eventDate);
    }
    this.eventType[i] = this.textCode(r.eventType);
    this.currency[i] = r.currency === null ? 0 : this.textCode(r.currency);
    this.payoff[i] = r.payoff;
    let nulls = 0;
    if (r.notionalPrincipal === null) nulls |= NULL_NOTIONAL;
    else this.notionalPrincipal[i] = r.notionalPrincipal;
    if (r.nominalInterestRate === null) nulls |= NULL_RATE;
    else this.nominalInterestRate[i] = r.nominalInterestRate;
    if (r.accruedInterest === null) nulls |= NULL_ACCRUED;
    else this.accruedInterest[i] = r.accruedInterest;
    this.nulls[i] = nulls;
    this.version[i] = r.version;
    this.length = i + 1;
  }

  /** Row `i` as an object (for differences and tests; the comparison reads the columns). */
  row(i: number, contractId: string): CashflowRow {
    const nulls = this.nulls[i];
    return {
      contractId,
      seq: this.seq[i],
      eventDate: this.oddDates.get(i) ?? isoOfSecond(this.second[i]),
      eventType: this.texts[this.eventType[i]]!,
      currency: this.texts[this.currency[i]],
      payoff: this.payoff[i],
      notionalPrincipal: nulls & NULL_NOTIONAL ? null : this.notionalPrincipal[i],
      nominalInterestRate: nulls & NULL_RATE ? null : this.nominalInterestRate[i],
      accruedInterest: nulls & NULL_ACCRUED ? null : this.accruedInterest[i],
      version: this.version[i],
    };
  }

  /** Rows [start, end) of one run as objects. */
  rowsOf(start: number, end: number, contractId: string): CashflowRow[] {
    const rows: CashflowRow[] = new Array(end - start);
    for (let i = start; i < end; i++) rows[i - start] = this.row(i, contractId);
    return rows;
  }

  /** Every row as an object, in order. */
  toRows(): CashflowRow[] {
    const rows: CashflowRow[] = [];
    for (let k = 0; k < this.runIds.length; k++) for (const r of this.rowsOf(this.runStarts[k], this.runEnd(k), this.runIds[k])) rows.push(r);
    return rows;
  }
}
