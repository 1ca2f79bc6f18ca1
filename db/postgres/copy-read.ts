// `cashflow verify` reads every stored row: through node-postgres' text protocol that was ~8 of
// 14 CPU-s of a 20,000-contract verify (text parsing) plus most of the GC (bench/README.md,
// verify). COPY (SELECT …) TO STDOUT (FORMAT binary) hands over the doubles as their 8 bytes
// (exact to the bit, no decimal round trip) and the rest as bytes decoded here in one pass.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PG_EPOCH_MS, PGCOPY_HEADER } from '../../wire/copy-binary-fields.js';
import { CashflowColumns, isPlainSecond, NULL_ACCRUED, NULL_NOTIONAL, NULL_RATE } from '../cashflow-columns.js';

/** A COPY binary stream that is not what contract_cashflows' columns give: a bug or another server, never data to guess at. */
export class CopyFormatError extends Error {
  constructor(message: string) {
    super(`COPY binary read of contract_cashflows: ${message}`);
    this.name = 'CopyFormatError';
  }
}

const CASHFLOW_FIELDS = 10;
const TWO_32 = 2 ** 32;
const PG_EPOCH_SECOND = PG_EPOCH_MS / 1000;
/** The fewest bytes a row takes: field count, ten lengths, seq, date, payoff and version (ids and texts may be empty). */
const MIN_ROW_BYTES = 2 + 10 * 4 + 4 + 8 + 8 + 8;

/**
 * The second since 1970 (UTC) of a binary timestamp (µs since 2000-01-01, as int64 hi/lo),
 * fractions cut as isoSeconds cuts its text, or undefined where the text has another form
 * (infinity, BC years, years past 9999): the caller then reads the text.
 */
export function secondOfPgTimestamp(hi: number, lo: number): number | undefined {
  // µs past 2^53 (years beyond 2000 ± 285) are not exact as one double: split 2^32 = 4294·10^6 + 967296
  const second = hi * 4294 + Math.floor((hi * 967_296 + lo) / 1e6) + PG_EPOCH_SECOND;
  return isPlainSecond(second) ? second : undefined;
}

/** Short texts that repeat (event types, currencies) looked up by their bytes: [bytes, code] pairs. */
class TextCodes {
  private readonly entries: [Buffer, number][] = [];
  constructor(
    private readonly columns: CashflowColumns,
    private readonly max = 64,
  ) {}
  code(buf: Buffer, p: number, length: number): number {
    for (const [bytes, code] of this.entries) if (bytes.length === length && sameBytes(buf, p, bytes, 0, length)) return code;
    const code = this.columns.textCode(buf.toString('utf8', p, p + length));
    if (this.entries.length < this.max) this.entries.push([Buffer.from(buf.subarray(p, p + length)), code]);
    return code;
  }
}

function sameBytes(a: Uint8Array, pa: number, b: Uint8Array, pb: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[pa + i] !== b[pb + i]) return false;
  return true;
}

/**
 * The rows of `COPY (SELECT contract_id, seq, event_date, event_type, currency, payoff,
 * notional_principal, nominal_interest_rate, accrued_interest, version …) TO STDOUT (FORMAT
 * binary)` as columns (db/cashflow-columns.ts), with the values the text read gives; undefined
 * when a timestamp has a form only the text gives (see secondOfPgTimestamp).
 */
export function decodeCashflowCopy(buf: Buffer): CashflowColumns | undefined {
  if (buf.length < PGCOPY_HEADER.length || !sameBytes(buf, 0, PGCOPY_HEADER, 0, 11)) throw new CopyFormatError('no PGCOPY signature');
  let p = 15 + 4 + buf.readInt32BE(15); // signature, flags, header extension
  const out = new CashflowColumns(Math.max(1, Math.ceil((buf.length - p) / MIN_ROW_BYTES)));
  const { seq, second, eventType, currency, payoff, notionalPrincipal, nominalInterestRate, accruedInterest, nulls, version } = out;
  const texts = new TextCodes(out);
  let idStart = -1;
  let idLength = -1;
  const need = (n: number) => {
    if (p + n > buf.length) throw new CopyFormatError(`truncated at byte ${p} of ${buf.length}`);
  };
  const length = (expected: number, nullable: boolean, column: string): number => {
    need(4);
    const n = buf.readInt32BE(p);
    p += 4;
    if (n === -1 && nullable) return -1;
    if (expected >= 0 ? n !== expected : n < 0) throw new CopyFormatError(`${column}: field length ${n}`);
    need(n);
    return n;
  };
  /** A nullable double into `column` at row i; its null bit otherwise. */
  const float8 = (into: Float64Array, i: number, nullBit: number, name: string): number => {
    if (length(8, true, name) === -1) return nullBit;
    into[i] = buf.readDoubleBE(p);
    p += 8;
    return 0;
  };
  let i = 0;
  for (; ; i++) {
    need(2);
    const fields = buf.readInt16BE(p);
    p += 2;
    if (fields === -1) break;
    if (fields !== CASHFLOW_FIELDS) throw new CopyFormatError(`a row of ${fields} fields, expected ${CASHFLOW_FIELDS}`);
    const n = length(-1, false, 'contract_id');
    if (n !== idLength || !sameBytes(buf, p, buf, idStart, n)) {
      out.length = i;
      out.startRun(buf.toString('utf8', p, p + n));
    }
    idStart = p;
    idLength = n;
    p += n;
    length(4, false, 'seq');
    seq[i] = buf.readInt32BE(p);
    p += 4;
    length(8, false, 'event_date');
    const s = secondOfPgTimestamp(buf.readInt32BE(p), buf.readUInt32BE(p + 4));
    if (s === undefined) return undefined;
    second[i] = s;
    p += 8;
    const t = length(-1, false, 'event_type');
    eventType[i] = texts.code(buf, p, t);
    p += t;
    const c = length(-1, true, 'currency');
    currency[i] = c === -1 ? 0 : texts.code(buf, p, c);
    if (c > 0) p += c;
    length(8, false, 'payoff');
    payoff[i] = buf.readDoubleBE(p);
    p += 8;
    nulls[i] =
      float8(notionalPrincipal, i, NULL_NOTIONAL, 'notional_principal') |
      float8(nominalInterestRate, i, NULL_RATE, 'nominal_interest_rate') |
      float8(accruedInterest, i, NULL_ACCRUED, 'accrued_interest');
    length(8, false, 'version');
    // hi·2^32 is exact and the sum rounds once: the same double as Number() of the text
    version[i] = buf.readInt32BE(p) * TWO_32 + buf.readUInt32BE(p + 4);
    p += 8;
  }
  if (p !== buf.length) throw new CopyFormatError(`${buf.length - p} bytes after the trailer`);
  out.length = i;
  return out;
}

/** The bytes of a COPY … TO STDOUT, whole (a page of the verification: ~20 MB for 2,000 contracts). */
export async function copyOut(client: pg.PoolClient, statement: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(statement)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
