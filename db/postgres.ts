// PostgreSQL twin of the Database interface (local stack and CI). Bulk writes go through
// COPY FROM STDIN into session temp tables, then one set-based replace per batch
// (docs/operations.md "Writing results and moving records fast").
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { TLS_CERTIFICATE_CODES } from '../clients/errors.js';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import {
  assertIdentifier,
  assertLadderBucket,
  assertWritableResults,
  DatabaseConfigurationError,
  DatabaseUnavailableError,
  isoSeconds,
  latestPerContract,
  migrations,
  stagedVersion,
  type ApplyOutcome,
  type CashflowRow,
  type CashflowVersion,
  type ContractResult,
  type CheckOptions,
  type CheckStatus,
  type ContractRow,
  type DatabaseCheck,
  type ContractSelection,
  type Database,
  type DateRange,
  type LadderBucket,
  type LadderRow,
  type MarketDataRow,
  type MigrateOptions,
  type MigrateOutcome,
  type ObservedEventRow,
  type PositionCashflowRow,
  type PositionRow,
  type SourceContracts,
  type StoredResults,
} from './database.js';
import { CAPTURED_TABLES } from './schema.js';
import { CashflowColumns, isPlainSecond, NULL_ACCRUED, NULL_NOTIONAL, NULL_RATE } from './cashflow-columns.js';
import { GrowableBuffer } from '../clients/growable-buffer.js';
import { causeOf, nextStep } from '../clients/errors.js';
import { decodedEvents, eventCount, isEncoded, type EncodedEvents } from '../wire/schedule.js';

export const DEFAULT_PUBLICATION = 'cashflow_cdc';

// Timestamps stay strings (no time zone games), bigints become numbers (versions are LSNs,
// far below 2^53 in practice; avsc refuses anything larger anyway).
const TIMESTAMP = 1114;
const DATE = 1082;
const INT8 = 20;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TIMESTAMP) return (v: string) => isoSeconds(v);
    if (oid === DATE) return (v: string) => v;
    if (oid === INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

// SQLSTATE classes and codes that mean "try again later", and socket errors.
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable url)';
  }
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

// node-postgres reports a connection it lost as a plain Error without SQLSTATE or socket code.
// Seen with an immediate shutdown or a killed backend: the query in flight fails with
// 'Connection terminated unexpectedly', the client's next one with 'Client has encountered a
// connection error and is not queryable'. Unclassified, they were not retriable: the runner took
// the sink's batches apart record by record in search of poison, one step from dead-lettering
// the results (test/database-restart.test.ts).
const CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Query read timeout)/;

/** Whether trying again later can help: the server is away, restarting, overloaded or in a conflict. */
export function isTransientPgError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return SOCKET_CODES.has(code) || TRANSIENT_CODES.has(code) || code.startsWith('08');
  return e instanceof Error && CONNECTION_LOST.test(e.message);
}

/**
 * What is wrong when the connection's TLS and the server's disagree (README "Secure stack"):
 * a certificate not trusted, TLS asked of a server without it, or a server that takes TLS
 * connections only (pg_hba.conf `hostssl`) asked without.
 */
export function pgTlsProblem(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : '';
  if (typeof code === 'string' && TLS_CERTIFICATE_CODES.has(code))
    return `the server's TLS certificate is not trusted (${code}): sslrootcert=<its CA file> in DATABASE_URL`;
  if (/server does not support SSL/i.test(message))
    return 'DATABASE_URL asks for TLS (sslmode) but the server has ssl=off';
  if (code === '28000' && /no encryption/.test(message))
    return 'the server accepts TLS connections only: sslmode=verify-full&sslrootcert=<its CA file> in DATABASE_URL';
  return undefined;
}

/**
 * A TLS mismatch as DatabaseConfigurationError, a transient failure as DatabaseUnavailableError
 * (both retriable, naming the cause and the next step), others unchanged.
 */
export function databaseError(url: string, e: unknown): unknown {
  if (e instanceof DatabaseUnavailableError || e instanceof DatabaseConfigurationError) return e;
  const tls = pgTlsProblem(e);
  if (tls) return new DatabaseConfigurationError(redact(url), `${(e as Error).message}: ${tls}`, { cause: e });
  if (!isTransientPgError(e)) return e;
  return new DatabaseUnavailableError(redact(url), `${causeOf(e)} (${nextStep('database')})`, { cause: e });
}

function classify(url: string, e: unknown): never {
  throw databaseError(url, e);
}

const listening = new WeakSet<pg.Client>();

/**
 * node-postgres emits a lost connection as 'error' on the client besides failing its queries,
 * and the pool listens only while a client is idle: a checked-out client without a listener
 * ends the whole process (seen: an immediate shutdown during a sink transaction). The queries'
 * own errors carry the failure to the caller, so the event itself needs nothing more.
 */
function survivingLostConnection<C extends pg.Client>(client: C): C {
  if (!listening.has(client)) {
    client.on('error', () => {});
    listening.add(client);
  }
  return client;
}

/** The server's `postgres` database (for CREATE/DROP DATABASE and replication slots). */
function adminUrl(serverUrl: string): string {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  return admin.toString();
}

/** A client of its own (not pooled) that reports a lost connection through its queries only. */
export function standaloneClient(url: string, options: { connectionTimeoutMillis?: number } = {}): pg.Client {
  return survivingLostConnection(new pg.Client({ connectionString: url, ...options }));
}


// ------------------------------------------------------------------------------- COPY text

function copyField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return String(v);
    return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function* copyLines<T>(
  rows: readonly T[],
  fields: (row: T) => (string | number | null)[],
): Generator<string> {
  const chunk: string[] = [];
  for (const row of rows) {
    chunk.push(fields(row).map(copyField).join('\t'));
    if (chunk.length === 2000) {
      yield chunk.join('\n') + '\n';
      chunk.length = 0;
    }
  }
  if (chunk.length) yield chunk.join('\n') + '\n';
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A text field of COPY: escaped only when it has to be (most never do). */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return NEEDS_ESCAPE.test(v) ? copyField(v) : v;
}

function copyNumber(v: number | null): string {
  return v === null ? '\\N' : Number.isFinite(v) ? String(v) : copyField(v);
}

const SEQ: string[] = Array.from({ length: 1024 }, (_, i) => String(i));
const CHUNK_CHARS = 1 << 20;

/**
 * The COPY text of the contract_cashflows rows of `results` (computed ones only), in chunks of
 * about 1 MB: one string per row built directly from the events (no row objects), contract id
 * and version formatted once per contract. Same text as copyLines over stagedRows.
 */
export function* cashflowCopyChunks(results: readonly ContractResult[]): Generator<Buffer> {
  let chunk = '';
  for (const r of results) {
    if (r.status !== 'computed') continue;
    const id = copyText(r.contractId);
    const version = `\t${copyNumber(r.version)}\n`;
    const events = decodedEvents(r); // the text format is the fallback of the binary one, which copies encoded events as they are
    for (let seq = 0; seq < events.length; seq++) {
      const e = events[seq];
      chunk +=
        id + '\t' + (SEQ[seq] ?? String(seq)) + '\t' + copyText(e.eventDate) + '\t' + copyText(e.eventType) + '\t' + copyText(e.currency) +
        '\t' + copyNumber(e.payoff) + '\t' + copyNumber(e.notionalPrincipal) + '\t' + copyNumber(e.nominalInterestRate) +
        '\t' + copyNumber(e.accruedInterest) + version;
    }
    if (chunk.length >= CHUNK_CHARS) {
      yield Buffer.from(chunk, 'utf8');
      chunk = '';
    }
  }
  if (chunk.length) yield Buffer.from(chunk, 'utf8');
}

// ------------------------------------------------------------------------------- COPY binary

const PGCOPY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
const timestampFields = new Map<string, Buffer>();

/** An int8 field (length 8, then the value big-endian; exact for |v| < 2^53). */
function int8Field(v: number): Buffer {
  const b = Buffer.allocUnsafe(12);
  b.writeInt32BE(8, 0);
  const hi = Math.floor(v / 2 ** 32);
  b.writeInt32BE(hi, 4);
  b.writeUInt32BE(v - hi * 2 ** 32, 8);
  return b;
}

/** `YYYY-MM-DDTHH:MM:SS` as a binary timestamp field (µs since 2000-01-01), or undefined. */
function pgTimestampField(s: string): Buffer | undefined {
  let field = timestampFields.get(s);
  if (field !== undefined) return field;
  const us = pgTimestamp(s);
  if (us === undefined) return undefined;
  if (timestampFields.size >= 100_000) timestampFields.clear();
  timestampFields.set(s, (field = int8Field(us)));
  return field;
}

const timestampFieldsByDigits = new Map<number, Buffer>();
const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** pgTimestampField of the `length` ASCII bytes of `buf` at `p`, read from the digits (no string). */
function timestampFieldAt(buf: Uint8Array, p: number, length: number): Buffer | undefined {
  if (length !== 19 || buf[p + 4] !== 0x2d || buf[p + 7] !== 0x2d || buf[p + 10] !== 0x54 || buf[p + 13] !== 0x3a || buf[p + 16] !== 0x3a) {
    return undefined;
  }
  let key = 0;
  for (const i of DIGIT_AT) {
    const d = buf[p + i] - 0x30;
    if (d < 0 || d > 9) return undefined;
    key = key * 10 + d;
  }
  let field = timestampFieldsByDigits.get(key);
  if (field === undefined) {
    field = pgTimestampField(Buffer.from(buf.buffer, buf.byteOffset + p, length).toString('latin1'));
    if (field === undefined) return undefined;
    if (timestampFieldsByDigits.size >= 100_000) timestampFieldsByDigits.clear();
    timestampFieldsByDigits.set(key, field);
  }
  return field;
}

/** `YYYY-MM-DDTHH:MM:SS` as PostgreSQL's binary timestamp (µs since 2000-01-01), or undefined. */
function pgTimestamp(s: string): number | undefined {
  const m = LOCAL_DATE_TIME.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(ms);
  // refuse what Date.UTC would roll over (2026-02-30) or misread (years 0-99): the text path lets PostgreSQL judge
  if (y < 1000 || back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || se > 59) return undefined;
  return (ms - PG_EPOCH_MS) * 1000;
}

class BinaryRows extends GrowableBuffer {
  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }
  null(): void {
    this.ensure(4);
    this.buf.writeInt32BE(-1, this.pos);
    this.pos += 4;
  }
  int4(v: number): void {
    this.ensure(8);
    this.buf.writeInt32BE(4, this.pos);
    this.buf.writeInt32BE(v, this.pos + 4);
    this.pos += 8;
  }
  float8(v: number | null): void {
    if (v === null) return this.null();
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeDoubleBE(v, this.pos + 4);
    this.pos += 12;
  }
  /**
   * The rows of events still in Avro (wire/avro-cashflows.ts scanContractCashflows, which checked them) straight from their bytes:
   * strings copied as they are, doubles turned big-endian, dates read from their digits; the
   * same bytes cashflowCopyBinary writes for the decoded events. False when a date is not a
   * plain `YYYY-MM-DDTHH:MM:SS` (the caller falls back to the text format). One loop without
   * helpers or bounds checks per field: it runs for every event the pipeline stores.
   */
  transcode(e: EncodedEvents, id: Buffer, version: Buffer): boolean {
    // Each row: its fixed fields, plus at most the Avro bytes of its event (a string's 4-byte
    // length prefix against Avro's ≥ 1-byte varint: + 3 each for type and currency)
    const src = e.bytes;
    this.ensure(e.count * (2 + id.length + 8 + 12 + 4 * 12 + version.length + 6) + src.length);
    const out = this.buf;
    let p = 0;
    let q = this.pos;
    /** The Avro long at p (array block counts and sizes, string lengths). */
    const long = (): number => {
      let n = 0;
      let f = 1;
      let b: number;
      do {
        b = src[p++];
        n += (b & 0x7f) * f;
        f *= 128;
      } while (b & 0x80);
      return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    };
    let inBlock = 0;
    for (let seq = 0; seq < e.count; seq++) {
      while (inBlock === 0) {
        inBlock = long();
        if (inBlock < 0) {
          inBlock = -inBlock;
          long(); // the block's size in bytes
        }
      }
      inBlock--;
      out[q++] = 0;
      out[q++] = 10;
      for (let i = 0; i < id.length; i++) out[q++] = id[i];
      out.writeInt32BE(4, q);
      out.writeInt32BE(seq, q + 4);
      q += 8;
      // event_date: Avro string of 19 ASCII bytes (length byte 38)
      if (src[p] !== 38) return false;
      const date = timestampFieldAt(src, p + 1, 19);
      if (date === undefined) return false;
      p += 20;
      for (let i = 0; i < 12; i++) out[q++] = date[i];
      // event_type and currency: Avro strings, copied
      for (let field = 0; field < 2; field++) {
        if (field === 1 && src[p++] === 0) {
          out.writeInt32BE(-1, q); // currency null
          q += 4;
          continue;
        }
        const n = src[p] < 0x80 ? src[p++] >>> 1 : long(); // one byte below 64
        out.writeInt32BE(n, q);
        q += 4;
        for (let i = 0; i < n; i++) out[q++] = src[p++];
      }
      // payoff, notional_principal, nominal_interest_rate, accrued_interest: doubles, the last three nullable
      for (let field = 0; field < 4; field++) {
        if (field > 0 && src[p++] === 0) {
          out.writeInt32BE(-1, q);
          q += 4;
          continue;
        }
        out[q] = 0;
        out[q + 1] = 0;
        out[q + 2] = 0;
        out[q + 3] = 8;
        out[q + 4] = src[p + 7];
        out[q + 5] = src[p + 6];
        out[q + 6] = src[p + 5];
        out[q + 7] = src[p + 4];
        out[q + 8] = src[p + 3];
        out[q + 9] = src[p + 2];
        out[q + 10] = src[p + 1];
        out[q + 11] = src[p];
        p += 8;
        q += 12;
      }
      // exerciseDate (nullable string) and exerciseAmount (nullable double): not columns
      if (src[p++] !== 0) {
        const n = long(); // not `p += long()`: that adds to p as it was before the length
        p += n;
      }
      if (src[p++] !== 0) p += 8;
      for (let i = 0; i < version.length; i++) out[q++] = version[i];
    }
    this.pos = q;
    return true;
  }
  /** Already encoded text (UTF-8 bytes with their length prefix). */
  bytes(b: Buffer): void {
    const n = b.length;
    this.ensure(n);
    if (n <= 48) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[i];
      this.pos = p;
    } else {
      b.copy(this.buf, this.pos);
      this.pos += n;
    }
  }
}

function lengthPrefixed(v: string): Buffer {
  const n = Buffer.byteLength(v, 'utf8');
  const b = Buffer.allocUnsafe(4 + n);
  b.writeInt32BE(n, 0);
  b.write(v, 4, n, 'utf8');
  return b;
}

/**
 * The contract_cashflows rows of `results` in COPY's binary format (no number or date text to
 * format here or to parse in the server), as one Buffer; undefined when an event date is not a
 * plain `YYYY-MM-DDTHH:MM:SS` (the caller then uses the text format, whose parsing PostgreSQL does).
 */
export function cashflowCopyBinary(results: readonly ContractResult[]): Buffer | undefined {
  let rows = 0;
  for (const r of results) if (r.status === 'computed') rows += eventCount(r);
  const w = new BinaryRows(PGCOPY_HEADER.length + 2 + rows * 110);
  w.bytes(PGCOPY_HEADER);
  const types = new Map<string, Buffer>();
  const typeBytes = (t: string) => {
    let b = types.get(t);
    if (!b) types.set(t, (b = lengthPrefixed(t)));
    return b;
  };
  for (const r of results) {
    if (r.status !== 'computed') continue;
    const id = lengthPrefixed(r.contractId);
    const version = int8Field(r.version);
    const events = r.events;
    if (isEncoded(events)) {
      if (!w.transcode(events, id, version)) return undefined;
      continue;
    }
    for (let seq = 0; seq < events.length; seq++) {
      const e = events[seq];
      const date = pgTimestampField(e.eventDate);
      if (date === undefined) return undefined;
      w.int16(10);
      w.bytes(id);
      w.int4(seq);
      w.bytes(date);
      w.bytes(typeBytes(e.eventType));
      if (e.currency === null) w.null();
      else w.bytes(typeBytes(e.currency));
      w.float8(e.payoff);
      w.float8(e.notionalPrincipal);
      w.float8(e.nominalInterestRate);
      w.float8(e.accruedInterest);
      w.bytes(version);
    }
  }
  w.int16(-1);
  return w.buf.subarray(0, w.pos);
}

// --------------------------------------------------------------------- COPY binary, reading
// `cashflow verify` reads every stored row: through node-postgres' text protocol that was ~8 of
// 14 CPU-s of a 20,000-contract verify (text parsing) plus most of the GC (bench/README.md,
// verify). COPY (SELECT …) TO STDOUT (FORMAT binary) hands over the doubles as their 8 bytes
// (exact to the bit, no decimal round trip) and the rest as bytes decoded here in one pass.

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

async function copyInto<T>(
  client: pg.PoolClient,
  table: string,
  columns: string,
  rows: readonly T[],
  fields: (row: T) => (string | number | null)[],
): Promise<void> {
  if (rows.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
  await pipeline(Readable.from(copyLines(rows, fields)), stream);
}

// ------------------------------------------------------------------------------------- SQL

const STAGING = `
CREATE TEMP TABLE IF NOT EXISTS cf_stage_versions (
  contract_id text NOT NULL, version bigint NOT NULL, fingerprint text, event_count integer NOT NULL,
  status text NOT NULL, reason text, computed_at timestamp
) ON COMMIT DELETE ROWS`;

// The version rule in one statement: the upsert only touches rows whose stored version is
// older, and returns exactly the contracts it accepted (row locks serialise two sinks).
const ACCEPT = `
INSERT INTO cashflow_versions AS v (contract_id, version, fingerprint, event_count, computed_at, status, reason)
SELECT contract_id, version, fingerprint, event_count,
       COALESCE(computed_at, now() AT TIME ZONE 'UTC'), status, reason
FROM cf_stage_versions
ORDER BY contract_id
ON CONFLICT (contract_id) DO UPDATE
   SET version = EXCLUDED.version, fingerprint = EXCLUDED.fingerprint,
       event_count = EXCLUDED.event_count, computed_at = EXCLUDED.computed_at,
       status = EXCLUDED.status, reason = EXCLUDED.reason
 WHERE v.version < EXCLUDED.version
RETURNING v.contract_id`;

// Then the accepted contracts' old rows go and their new rows are copied straight into the
// table: the rows pass through PostgreSQL once, with no staging copy of them.
const DELETE_ROWS = `DELETE FROM contract_cashflows WHERE contract_id = ANY($1::text[])`;

const CASHFLOW_COPY_COLUMNS =
  'contract_id, seq, event_date, event_type, currency, payoff, notional_principal, nominal_interest_rate, accrued_interest, version';

const CASHFLOW_COLUMNS = `contract_id AS "contractId", seq, event_date AS "eventDate", event_type AS "eventType",
  currency, payoff, notional_principal AS "notionalPrincipal",
  nominal_interest_rate AS "nominalInterestRate", accrued_interest AS "accruedInterest", version`;

const VERSION_COLUMNS = `contract_id AS "contractId", version, fingerprint, event_count AS "eventCount",
  computed_at AS "computedAt", status, reason`;

const RANGE = `($2::timestamp IS NULL OR event_date >= $2::timestamp)
  AND ($3::timestamp IS NULL OR event_date < $3::timestamp)`;

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

/** The bytes of a COPY … TO STDOUT, whole (a page of the verification: ~20 MB for 2,000 contracts). */
async function copyOut(client: pg.PoolClient, statement: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(statement)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** selectionWhere with the values written as literals (`quote`: the connection's escapeLiteral), for COPY. */
export function literalSelectionWhere(selection: ContractSelection, quote: (s: string) => string): string {
  if ('ids' in selection) return selection.ids.length ? `contract_id = ANY(ARRAY[${selection.ids.map(quote).join(',')}]::text[])` : 'false';
  const parts: string[] = [];
  if (selection.after !== null) parts.push(`contract_id > ${quote(selection.after)}`);
  if (selection.through !== null) parts.push(`contract_id <= ${quote(selection.through)}`);
  return parts.length ? parts.join(' AND ') : 'true';
}

/** The last row per key wins: one upsert statement may not touch a row twice. */
function lastBy<T>(rows: readonly T[], key: (r: T) => string): T[] {
  return [...new Map(rows.map((r) => [key(r), r])).values()];
}

export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly name: string;
  private readonly pool: pg.Pool;

  constructor(
    private readonly url: string,
    options: { max?: number; applicationName?: string } = {},
  ) {
    this.name = databaseName(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      types,
      application_name: options.applicationName ?? 'cashflow',
    });
    // An idle client that loses its server must not crash the process; the next query fails
    // with a retriable error instead.
    this.pool.on('error', () => {});
  }

  private async client(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      return classify(this.url, e);
    }
    return survivingLostConnection(client);
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (e) {
      return classify(this.url, e);
    }
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      return classify(this.url, e);
    } finally {
      client.release();
    }
  }

  async migrate(options: MigrateOptions = {}): Promise<MigrateOutcome> {
    const publication = options.publication ?? DEFAULT_PUBLICATION;
    assertIdentifier('publication', publication);
    const createdDatabase = await this.createDatabaseIfMissing();
    const client = await this.client();
    const applied: string[] = [];
    const warnings: string[] = [];
    try {
      // Two `db migrate` at once (several processes starting) take turns.
      await client.query(`SELECT pg_advisory_lock(hashtext('cashflow_schema_migrations'))`);
      await client.query(`CREATE TABLE IF NOT EXISTS cashflow_schema_migrations (
        id text NOT NULL PRIMARY KEY, applied_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'))`);
      const done = new Set(
        (await client.query<{ id: string }>('SELECT id FROM cashflow_schema_migrations')).rows.map(
          (r) => r.id,
        ),
      );
      for (const m of migrations('postgres')) {
        if (done.has(m.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO cashflow_schema_migrations (id) VALUES ($1)', [m.id]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.id} failed: ${(e as Error).message}`, { cause: e });
        }
        applied.push(m.id);
      }
      const exists = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
      if (exists.rowCount === 0) {
        await client.query(`CREATE PUBLICATION ${publication} FOR TABLE ${CAPTURED_TABLES.join(', ')}`);
      }
      const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
      if (wal.rows[0]?.wal_level !== 'logical') {
        warnings.push(
          `wal_level is ${wal.rows[0]?.wal_level}: Debezium needs logical ` +
            `(ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL; \`cashflow stack up\` does it)`,
        );
      }
    } catch (e) {
      return classify(this.url, e);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('cashflow_schema_migrations'))`).catch(() => {});
      client.release();
    }
    return { database: this.name, createdDatabase, applied, warnings };
  }

  private async createDatabaseIfMissing(): Promise<boolean> {
    const admin = adminUrl(this.url);
    const client = standaloneClient(admin);
    try {
      await client.connect();
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.name]);
      if (found.rowCount) return false;
      assertIdentifier('database', this.name);
      try {
        await client.query(`CREATE DATABASE ${this.name}`);
      } catch (e) {
        if ((e as { code?: string }).code === '42P04') return false; // created concurrently
        throw e;
      }
      return true;
    } catch (e) {
      return classify(admin, e);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async applyResults(batch: readonly ContractResult[]): Promise<ApplyOutcome> {
    if (batch.length === 0) return { applied: [], skipped: 0, rowsWritten: 0 };
    assertWritableResults(batch);
    const latest = latestPerContract(batch);
    const versions = latest.map(stagedVersion);
    return this.transaction(async (client) => {
      // Without fresh statistics (autovacuum off, or behind a bulk load) the planner guesses
      // hundreds of thousands of rows for `contract_id = ANY(…)`: it JIT-compiles the DELETE
      // (280 ms instead of 13 ms for 83 contracts on a 1.7M-row table) and from ~200 ids on
      // scans the whole table (seconds at 13M rows). These statements are index lookups.
      await client.query('SET LOCAL jit = off; SET LOCAL enable_seqscan = off');
      await client.query(STAGING);
      await copyInto(
        client,
        'cf_stage_versions',
        'contract_id, version, fingerprint, event_count, status, reason, computed_at',
        versions,
        (v) => [v.contractId, v.version, v.fingerprint, v.eventCount, v.status, v.reason, v.computedAt],
      );
      const accepted = await client.query<{ contract_id: string }>(ACCEPT);
      const applied = accepted.rows.map((r) => r.contract_id);
      if (applied.length === 0) return { applied, skipped: batch.length, rowsWritten: 0 };
      await client.query(DELETE_ROWS, [applied]);
      const take = new Set(applied);
      const taken = latest.filter((r) => take.has(r.contractId));
      let rowsWritten = 0;
      for (const r of taken) if (r.status === 'computed') rowsWritten += eventCount(r);
      if (rowsWritten > 0) {
        const binary = cashflowCopyBinary(taken);
        const stream = client.query(copyFrom(`COPY contract_cashflows (${CASHFLOW_COPY_COLUMNS}) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`));
        await pipeline(binary ? Readable.from([binary]) : Readable.from(cashflowCopyChunks(taken)), stream);
      }
      return { applied, skipped: batch.length - applied.length, rowsWritten };
    });
  }

  async contractCashflows(contractId: string): Promise<CashflowRow[]> {
    return this.query<CashflowRow>(
      `SELECT ${CASHFLOW_COLUMNS} FROM contract_cashflows WHERE contract_id = $1 ORDER BY seq`,
      [contractId],
    );
  }

  async cashflowVersion(contractId: string): Promise<CashflowVersion | null> {
    return (await this.cashflowVersions([contractId]))[0] ?? null;
  }

  async cashflowVersions(contractIds: readonly string[]): Promise<CashflowVersion[]> {
    return this.query<CashflowVersion>(
      `SELECT ${VERSION_COLUMNS} FROM cashflow_versions WHERE contract_id = ANY($1::text[]) ORDER BY contract_id`,
      [contractIds],
    );
  }

  async portfolioCashflows(portfolioId: string, range: DateRange = {}): Promise<PositionCashflowRow[]> {
    return this.query<PositionCashflowRow>(
      `SELECT position_id AS "positionId", portfolio_id AS "portfolioId", quantity, ${CASHFLOW_COLUMNS}
       FROM position_cashflows WHERE portfolio_id = $1 AND ${RANGE}
       ORDER BY event_date, contract_id, position_id, seq`,
      [portfolioId, range.from ?? null, range.to ?? null],
    );
  }

  async cashflowLadder(
    portfolioId: string,
    bucket: LadderBucket,
    range: DateRange = {},
  ): Promise<LadderRow[]> {
    assertLadderBucket(bucket);
    return this.query<LadderRow>(
      `SELECT to_char(date_trunc($4, event_date), 'YYYY-MM-DD') AS bucket, currency,
              sum(payoff) AS payoff, count(*)::integer AS events
       FROM position_cashflows WHERE portfolio_id = $1 AND ${RANGE}
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [portfolioId, range.from ?? null, range.to ?? null, bucket],
    );
  }

  async upsertContracts(rows: readonly ContractRow[]): Promise<void> {
    const unique = lastBy(rows, (r) => r.contractId);
    if (!unique.length) return;
    await this.query(
      `INSERT INTO contracts (contract_id, contract_type, terms, updated_at)
       SELECT id, type, terms, now() AT TIME ZONE 'UTC' FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, type, terms)
       ON CONFLICT (contract_id) DO UPDATE
         SET contract_type = EXCLUDED.contract_type, terms = EXCLUDED.terms, updated_at = EXCLUDED.updated_at`,
      [unique.map((r) => r.contractId), unique.map((r) => r.contractType), unique.map((r) => r.terms)],
    );
  }

  async deleteContracts(contractIds: readonly string[]): Promise<void> {
    if (!contractIds.length) return;
    await this.query('DELETE FROM contracts WHERE contract_id = ANY($1::text[])', [contractIds]);
  }

  async upsertPositions(rows: readonly PositionRow[]): Promise<void> {
    const unique = lastBy(rows, (r) => r.positionId);
    if (!unique.length) return;
    await this.query(
      `INSERT INTO positions (position_id, portfolio_id, contract_id, quantity)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::double precision[])
       ON CONFLICT (position_id) DO UPDATE SET portfolio_id = EXCLUDED.portfolio_id,
         contract_id = EXCLUDED.contract_id, quantity = EXCLUDED.quantity`,
      [
        unique.map((r) => r.positionId),
        unique.map((r) => r.portfolioId),
        unique.map((r) => r.contractId),
        unique.map((r) => r.quantity),
      ],
    );
  }

  async upsertMarketData(rows: readonly MarketDataRow[]): Promise<void> {
    const unique = lastBy(rows, (r) => `${r.marketObjectCode}|${r.observedAt}`);
    if (!unique.length) return;
    await this.query(
      `INSERT INTO market_data (market_object_code, observed_at, value)
       SELECT * FROM unnest($1::text[], $2::timestamp[], $3::double precision[])
       ON CONFLICT (market_object_code, observed_at) DO UPDATE SET value = EXCLUDED.value`,
      [unique.map((r) => r.marketObjectCode), unique.map((r) => r.observedAt), unique.map((r) => r.value)],
    );
  }

  // ---------------------------------------------------------------- verification reads
  // (`cashflow verify`, the verifier: processors/verification.ts). Keyset pages on contract_id;
  // statements are built per shape (no `$1 IS NULL OR …`), so each one walks its primary key.

  async verificationIds(after: string | null, limit: number): Promise<string[]> {
    const where = after === null ? '' : 'WHERE contract_id > $2';
    const rows = await this.query<{ contract_id: string }>(
      `SELECT contract_id FROM (
         (SELECT contract_id FROM contracts ${where} ORDER BY contract_id LIMIT $1)
         UNION
         (SELECT contract_id FROM cashflow_versions ${where} ORDER BY contract_id LIMIT $1)
       ) AS ids ORDER BY contract_id LIMIT $1`,
      after === null ? [limit] : [limit, after],
    );
    return rows.map((r) => r.contract_id);
  }

  async sourceContracts(selection: ContractSelection): Promise<SourceContracts> {
    const { where, params } = selectionWhere(selection);
    const [contracts, observedEvents] = await Promise.all([
      this.query<ContractRow>(`SELECT contract_id AS "contractId", contract_type AS "contractType", terms FROM contracts WHERE ${where}`, params),
      this.query<ObservedEventRow>(
        `SELECT contract_id AS "contractId", event_type AS "eventType", observed_at AS "observedAt", value, states
         FROM observed_events WHERE ${where} ORDER BY contract_id, observed_at, event_type`,
        params,
      ),
    ]);
    return { contracts, observedEvents };
  }

  async marketData(codes: readonly string[]): Promise<MarketDataRow[]> {
    if (!codes.length) return [];
    return this.query<MarketDataRow>(
      `SELECT market_object_code AS "marketObjectCode", observed_at AS "observedAt", value
       FROM market_data WHERE market_object_code = ANY($1::text[]) ORDER BY market_object_code, observed_at`,
      [codes],
    );
  }

  async storedResults(selection: ContractSelection): Promise<StoredResults> {
    const { where, params } = selectionWhere(selection);
    const client = await this.client();
    try {
      // one snapshot: a sink transaction replaces a contract's version row and rows together
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // without statistics the planner may scan 13 M rows for a page (as in applyResults)
      await client.query('SET LOCAL enable_seqscan = off');
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
      return classify(this.url, e);
    } finally {
      client.release();
    }
  }

  async portfolioContractIds(portfolioId: string): Promise<string[]> {
    const rows = await this.query<{ contract_id: string }>('SELECT DISTINCT contract_id FROM positions WHERE portfolio_id = $1 ORDER BY contract_id', [portfolioId]);
    return rows.map((r) => r.contract_id);
  }

  async sampleContractIds(n: number): Promise<string[]> {
    const rows = await this.query<{ contract_id: string }>('SELECT contract_id FROM contracts ORDER BY random() LIMIT $1', [n]);
    return rows.map((r) => r.contract_id);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
  /** `cashflow db check` (see postgresChecks). */
  async check(options: CheckOptions = {}): Promise<DatabaseCheck[]> {
    const publication = options.publication ?? DEFAULT_PUBLICATION;
    const slot = options.slot ?? DEFAULT_PUBLICATION;
    const setting = async (name: string) => (await this.query<{ setting: string }>('SELECT setting FROM pg_settings WHERE name = $1', [name]))[0]?.setting ?? '';
    const [{ version, user }] = await this.query<{ version: string; user: string }>(`SELECT current_setting('server_version') AS version, current_user AS "user"`);
    const cdcUser = options.cdcUser ?? user;
    const role = (await this.query<{ replication: boolean; superuser: boolean }>('SELECT rolreplication AS replication, rolsuper AS superuser FROM pg_roles WHERE rolname = $1', [cdcUser]))[0];
    const pub = await this.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
    const tables = (await this.query<{ tablename: string }>('SELECT tablename FROM pg_publication_tables WHERE pubname = $1', [publication])).map((r) => r.tablename);
    const slots = await this.query<{ slot_name: string; database: string | null; active: boolean; plugin: string; retained: string | null }>(
      'SELECT slot_name, database, active, plugin, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained FROM pg_replication_slots',
    );
    const own = slots.find((s) => s.slot_name === slot && s.database === this.name);
    const applied = (await this.query<{ id: string }>(`SELECT id FROM cashflow_schema_migrations`).catch(() => [] as { id: string }[])).map((r) => r.id);
    return postgresChecks({
      database: this.name,
      version,
      walLevel: await setting('wal_level'),
      maxReplicationSlots: Number(await setting('max_replication_slots')),
      maxWalSenders: Number(await setting('max_wal_senders')),
      slotsInUse: slots.length,
      cdcUser,
      cdcRole: role,
      publication,
      publishedTables: pub.length ? tables : undefined,
      slot,
      slotState: own ? { active: own.active, plugin: own.plugin, retainedBytes: own.retained === null ? null : Number(own.retained) } : undefined,
      applied,
      expectedMigrations: migrations('postgres').map((m) => m.id),
    });
  }

}

/**
 * Drops a replication slot once its connector has let go of it. Deleting a Debezium connector
 * leaves its slot, which keeps WAL forever and blocks DROP DATABASE (docs/operations.md).
 */
export async function dropReplicationSlot(
  serverUrl: string,
  slotName: string,
  timeoutMs = 30_000,
): Promise<boolean> {
  const client = standaloneClient(adminUrl(serverUrl)); // slots are per cluster; the database of the URL may be gone
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ active: boolean; active_pid: number | null }>(
        'SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1',
        [slotName],
      );
      if (rows.length === 0) return false;
      if (!rows[0].active) {
        try {
          await client.query('SELECT pg_drop_replication_slot($1)', [slotName]);
          return true;
        } catch (e) {
          if ((e as { code?: string }).code !== '55006') throw e; // became active again: wait
        }
      } else if (Date.now() > deadline && rows[0].active_pid) {
        // the connector is gone but its walsender lingers: end it
        await client.query('SELECT pg_terminate_backend($1)', [rows[0].active_pid]);
      }
      if (Date.now() > deadline + 10_000)
        throw new Error(`replication slot ${slotName} still active after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.end();
  }
}

/** Drops a database, disconnecting its sessions (tests and cleanup). */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertIdentifier('database', name);
  const client = standaloneClient(adminUrl(serverUrl));
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- db check
// What Debezium's PostgreSQL connector needs (README "Database, topics and connectors"): facts
// read in one go, judged by a pure function.

export interface PostgresFacts {
  database: string;
  version: string;
  walLevel: string;
  maxReplicationSlots: number;
  maxWalSenders: number;
  slotsInUse: number;
  cdcUser: string;
  /** undefined: no such role. */
  cdcRole?: { replication: boolean; superuser: boolean };
  publication: string;
  /** Tables of the publication; undefined: no such publication. */
  publishedTables?: string[];
  slot: string;
  /** undefined: no such slot in this database. */
  slotState?: { active: boolean; plugin: string; retainedBytes: number | null };
  applied: string[];
  expectedMigrations: string[];
}

/** The checks of `cashflow db check` on PostgreSQL, from the facts (pure). */
export function postgresChecks(f: PostgresFacts): DatabaseCheck[] {
  const out: DatabaseCheck[] = [];
  const add = (name: string, status: CheckStatus, detail: string, command: string) => out.push({ name, status, detail, command });
  add('connection', 'ok', `PostgreSQL ${f.version}, database ${f.database}`, 'SELECT version()');

  if (f.walLevel !== 'logical') add('wal-level', 'fail', `wal_level is ${f.walLevel}: Debezium needs logical`, 'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL');
  else add('wal-level', 'ok', 'wal_level is logical', 'SHOW wal_level');

  if (f.maxReplicationSlots - f.slotsInUse < (f.slotState ? 0 : 1) || f.maxWalSenders < 1) {
    add('replication-capacity', 'fail', `max_replication_slots ${f.maxReplicationSlots} (${f.slotsInUse} in use), max_wal_senders ${f.maxWalSenders}: no room for the connector's slot`, 'ALTER SYSTEM SET max_replication_slots = 10; ALTER SYSTEM SET max_wal_senders = 10; then restart');
  } else add('replication-capacity', 'ok', `max_replication_slots ${f.maxReplicationSlots} (${f.slotsInUse} in use), max_wal_senders ${f.maxWalSenders}`, 'SHOW max_replication_slots');

  const roleCommand = `SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = '${f.cdcUser}'`;
  if (!f.cdcRole) add('replication-role', 'fail', `role ${f.cdcUser} (the connector's login) does not exist`, `CREATE ROLE ${f.cdcUser} LOGIN REPLICATION PASSWORD '…'`);
  else if (!f.cdcRole.replication && !f.cdcRole.superuser) add('replication-role', 'fail', `role ${f.cdcUser} lacks REPLICATION: the connector cannot open its slot`, `ALTER ROLE ${f.cdcUser} WITH REPLICATION`);
  else add('replication-role', 'ok', `role ${f.cdcUser} has ${f.cdcRole.superuser ? 'SUPERUSER' : 'REPLICATION'}`, roleCommand);

  const pubCommand = `SELECT tablename FROM pg_publication_tables WHERE pubname = '${f.publication}'`;
  if (f.publishedTables === undefined) add('publication', 'fail', `publication ${f.publication} does not exist`, `cashflow db migrate --publication ${f.publication}`);
  else {
    const missing = CAPTURED_TABLES.filter((t) => !f.publishedTables!.includes(t));
    if (missing.length) add('publication', 'fail', `publication ${f.publication} lacks ${missing.join(', ')}`, `ALTER PUBLICATION ${f.publication} ADD TABLE ${missing.join(', ')}`);
    else add('publication', 'ok', `publication ${f.publication} publishes ${CAPTURED_TABLES.join(', ')}`, pubCommand);
  }

  const slotCommand = `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE slot_name = '${f.slot}'`;
  if (!f.slotState) add('slot', 'fail', `replication slot ${f.slot} does not exist in ${f.database} (the connector creates it when it starts)`, 'cashflow connectors apply');
  else {
    const retained = f.slotState.retainedBytes === null ? '' : `, retaining ${Math.round(f.slotState.retainedBytes / 1024 / 1024)} MB of WAL`;
    if (f.slotState.plugin !== 'pgoutput') add('slot', 'fail', `slot ${f.slot} uses ${f.slotState.plugin}, the connector uses pgoutput`, `SELECT pg_drop_replication_slot('${f.slot}'); then cashflow connectors apply`);
    else if (!f.slotState.active) add('slot', 'warn', `slot ${f.slot} exists but no connector reads it${retained}: WAL accumulates`, `cashflow connectors apply (or drop the slot: SELECT pg_drop_replication_slot('${f.slot}'))`);
    else add('slot', 'ok', `slot ${f.slot} active${retained}`, slotCommand);
  }

  const missing = f.expectedMigrations.filter((m) => !f.applied.includes(m));
  if (missing.length) add('schema', 'fail', `migrations not applied: ${missing.join(', ')}`, 'cashflow db migrate');
  else add('schema', 'ok', `migrations applied: ${f.expectedMigrations.join(', ')}`, 'SELECT id FROM cashflow_schema_migrations');
  return out;
}
