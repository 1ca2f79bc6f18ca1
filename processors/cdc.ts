// Decoding of Debezium change events as they arrive on the CDC topics: the JsonConverter
// envelope (with or without its schema part) of the PostgreSQL and SQL Server connectors.
// Column values are normalised using the Connect schema names Debezium attaches, so the same
// code reads timestamps from `timestamp` (PostgreSQL) and `datetime2` (SQL Server) columns
// whatever `time.precision.mode` the connector runs with.

import { quoteValue } from '../engine/index.js';

export type ChangeOp = 'c' | 'u' | 'd' | 'r';
export type Row = Record<string, unknown>;

export interface ChangeEvent {
  op: ChangeOp;
  before: Row | null;
  after: Row | null;
  /**
   * Commit position as a number (the `version` the wire and the database carry): never
   * decreasing with commit order, but not strictly increasing (see positionOf). Compare
   * changes with `order` (exact); ties of `position` are resolved by `order` or, where only
   * the number was kept, in arrival order.
   */
  position: number;
  /** The exact position, a fixed-width hex key whose string order is commit order (see sourceOrderOf). */
  order: SourceOrder;
  /** Commit time, ms since the epoch. */
  committedAtMs: number;
  table: string;
}

export class CdcDecodeError extends Error {
  constructor(readonly reason: string) {
    super(`undecodable change event: ${reason}`);
    this.name = 'CdcDecodeError';
  }
}

interface FieldSchema {
  field?: string;
  type?: string;
  name?: string;
  fields?: FieldSchema[];
}

const OPS = new Set(['c', 'u', 'd', 'r']);

/** Decodes one message value; `null` for a tombstone (the delete was already seen as `op: d`). */
export function decodeChangeEvent(value: Buffer | string | null): ChangeEvent | null {
  if (value === null || value.length === 0) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (e) {
    throw new CdcDecodeError(`not JSON (${(e as Error).message})`);
  }
  if (doc === null) return null;
  if (typeof doc !== 'object') throw new CdcDecodeError('not a JSON object');
  const withSchema = 'payload' in doc && 'schema' in doc;
  const payload = (withSchema ? (doc as { payload: unknown }).payload : doc) as Record<string, unknown> | null;
  if (payload === null) return null;
  const schema = withSchema ? ((doc as { schema: FieldSchema }).schema ?? null) : null;
  const op = payload.op;
  if (typeof op !== 'string' || !OPS.has(op)) throw new CdcDecodeError(`missing or unknown op "${String(op)}"`);
  const source = (payload.source ?? {}) as Record<string, unknown>;
  const rowSchema = schema?.fields?.find((f) => f.field === 'after' || f.field === 'before');
  return {
    op: op as ChangeOp,
    before: normaliseRow(payload.before, rowSchema),
    after: normaliseRow(payload.after, rowSchema),
    position: positionOf(source),
    order: sourceOrderOf(source),
    committedAtMs: Number(source.ts_ms ?? payload.ts_ms ?? 0),
    table: String(source.table ?? ''),
  };
}

function normaliseRow(row: unknown, schema: FieldSchema | undefined): Row | null {
  if (row === null || row === undefined) return null;
  if (typeof row !== 'object') throw new CdcDecodeError('row image is not an object');
  const out: Row = { ...(row as Row) };
  for (const f of schema?.fields ?? []) {
    if (f.field !== undefined && f.name !== undefined && out[f.field] !== null && out[f.field] !== undefined) {
      out[f.field] = normaliseValue(out[f.field], f.name);
    }
  }
  return out;
}

/** Temporal values become ISO local date-times `YYYY-MM-DDTHH:MM:SS[.fff]` (no zone: the columns have none). */
function normaliseValue(v: unknown, schemaName: string): unknown {
  switch (schemaName) {
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return isoLocal(Number(v));
    case 'io.debezium.time.MicroTimestamp':
      return isoLocal(Number(v) / 1000);
    case 'io.debezium.time.NanoTimestamp':
      return isoLocal(Number(v) / 1e6);
    case 'io.debezium.time.ZonedTimestamp':
      return isoLocal(Date.parse(String(v)));
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return isoLocal(Number(v) * 86_400_000);
    default:
      return v;
  }
}

export function isoLocal(ms: number): string {
  const s = new Date(Math.round(ms)).toISOString(); // 2024-01-02T03:04:05.678Z
  return s.endsWith('.000Z') ? s.slice(0, 19) : s.slice(0, 23);
}

/**
 * The exact position of a change, as a fixed-width lower-case hex string: comparing two of
 * them as strings compares them in commit order, without any loss (BigInt-exact).
 * - SQL Server: (commit_lsn, change_lsn, event_serial_no), 20 + 20 + 16 hex digits — the
 *   connector's own order (its TxLogPosition). Every change of one transaction shares its
 *   commit_lsn; change_lsn and event_serial_no (2 for the new image of an update; a key update
 *   arrives as d + c) tell them apart. Snapshot reads carry only commit_lsn: zeros follow.
 * - PostgreSQL: the change's own WAL `lsn` (distinct per change), 16 hex digits, read from
 *   `sequence` (`["<last commit lsn>","<lsn>"]`, strings, exact past 2^53) when present.
 */
export type SourceOrder = string;

const MSSQL_LSN = /^([0-9a-fA-F]{8}):([0-9a-fA-F]{8}):([0-9a-fA-F]{4})$/;

/** A SQL Server LSN `VLF:block:slot` (the connector's Lsn.toString) as an 80-bit BigInt; null for a missing or `NULL` LSN. */
export function mssqlLsn(value: unknown): bigint | null {
  if (value === null || value === undefined || value === 'NULL') return null;
  const m = typeof value === 'string' ? MSSQL_LSN.exec(value) : null;
  if (!m) throw new CdcDecodeError(`unreadable SQL Server LSN ${JSON.stringify(value)} (expected VLF:block:slot as 8:8:4 hex digits)`);
  return (BigInt(`0x${m[1]}`) << 48n) | (BigInt(`0x${m[2]}`) << 16n) | BigInt(`0x${m[3]}`);
}

function hex(n: bigint, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

function unsignedBig(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value);
  throw new CdcDecodeError(`unreadable ${what} ${JSON.stringify(value)}`);
}

function pgSequenceLsn(sequence: unknown): bigint | null {
  if (typeof sequence !== 'string') return null;
  try {
    const parts = JSON.parse(sequence) as unknown;
    const last = Array.isArray(parts) ? parts[parts.length - 1] : null;
    return typeof last === 'string' && /^\d{1,20}$/.test(last) ? BigInt(last) : null;
  } catch {
    return null;
  }
}

/** The exact order key of a change (see SourceOrder). */
export function sourceOrderOf(source: Record<string, unknown>): SourceOrder {
  if (source.commit_lsn !== undefined || source.change_lsn !== undefined) {
    const commit = mssqlLsn(source.commit_lsn) ?? mssqlLsn(source.change_lsn);
    if (commit === null) throw new CdcDecodeError(`no commit position (commit_lsn) in source ${JSON.stringify(source)}`);
    const change = mssqlLsn(source.change_lsn) ?? 0n;
    const serial = source.event_serial_no === null || source.event_serial_no === undefined ? 0n : unsignedBig(source.event_serial_no, 'event_serial_no');
    return hex(commit, 20) + hex(change, 20) + hex(serial, 16);
  }
  const lsn = pgSequenceLsn(source.sequence) ?? (source.lsn === undefined || source.lsn === null ? null : unsignedBig(source.lsn, 'lsn'));
  if (lsn === null) throw new CdcDecodeError(`no commit position (lsn) in source ${JSON.stringify(source)}`);
  return hex(lsn, 16);
}

/**
 * Whether a change at `order` (number `position`) comes after what is stored: exactly by
 * order key when the stored state kept one; otherwise by number, equal numbers counting as
 * later (arrival order: Kafka keeps one key's changes in order, so a tie is either a replay,
 * which re-applies the same change, or a later change of the same transaction).
 */
export function isLaterChange(change: { position: number; order: SourceOrder }, stored: { version: number; order?: SourceOrder | undefined }): boolean {
  if (stored.order !== undefined && stored.order.length === change.order.length) return change.order > stored.order;
  return change.position >= stored.version;
}

/** Whether a change is the very one stored (a replay of the last applied change, not an older one). */
export function isSameChange(change: { position: number; order: SourceOrder }, stored: { version: number; order?: SourceOrder | undefined }): boolean {
  if (stored.order !== undefined && stored.order.length === change.order.length) return change.order === stored.order;
  return change.position === stored.version;
}

/**
 * The position as a number for the wire's `long` and the database's `bigint`: monotone
 * (never decreasing with commit order) over the whole range, exact where the source allows.
 * PostgreSQL: the WAL LSN (exact below 2^53 bytes of WAL). SQL Server: the 80-bit commit LSN
 * shifted right by 27 bits (VLF sequence number · 2^21 + block / 2^11), which fits 53 bits for
 * every LSN; changes within the same 1 MB of log share a number, which `order` (ingest) and the
 * calculator's bump past the last published version (sink) tell apart. An earlier packing
 * (vlf·2^37 + block·2^16 + slot) was exact only for VLF < 2^16 and block < 2^21, and past that
 * sorted later changes before earlier ones.
 */
export function positionOf(source: Record<string, unknown>): number {
  if (source.commit_lsn !== undefined || source.change_lsn !== undefined) {
    const commit = mssqlLsn(source.commit_lsn) ?? mssqlLsn(source.change_lsn);
    if (commit === null) throw new CdcDecodeError(`no commit position (commit_lsn) in source ${JSON.stringify(source)}`);
    return Number(commit >> 27n);
  }
  const lsn = source.lsn;
  if (typeof lsn === 'number' && Number.isFinite(lsn) && lsn >= 0) return lsn;
  if (typeof lsn === 'string' && /^\d+$/.test(lsn)) return Number(lsn);
  throw new CdcDecodeError(`no commit position (lsn) in source ${JSON.stringify(source)}`);
}

/**
 * A double column's value as a finite number, or the words of why not (`with value NaN: not a
 * finite number`, `without a value`, `with non-numeric value "…"`). PostgreSQL's double
 * precision holds 'NaN', 'Infinity' and '-Infinity'; Debezium's JSON converter (Jackson) writes
 * them as the strings "NaN", "Infinity", "-Infinity" (values are left as they come here).
 * Stored, a market_data value would reach a rate reset as NaN, or be skipped by the reader and
 * another observation used in its place; a positions quantity would scale the portfolio's cash
 * flows to NaN: either way a wrong answer and no one told.
 */
export function finiteValue(v: unknown): number | string {
  if (typeof v === 'number') return Number.isFinite(v) ? v : `with value ${String(v)}: not a finite number`;
  if (typeof v === 'string') {
    const n = v.trim() === '' ? NaN : Number(v);
    if (Number.isFinite(n)) return n;
    return /^[+-]?(NaN|Infinity)$/.test(v.trim()) ? `with value ${v.trim()}: not a finite number` : `with non-numeric value ${quoteValue(v)}`;
  }
  return v === null || v === undefined ? 'without a value' : `with non-numeric value ${quoteValue(v)}`;
}
