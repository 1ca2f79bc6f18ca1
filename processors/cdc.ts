// Decoding of Debezium change events as they arrive on the CDC topics: the JsonConverter
// envelope (with or without its schema part) of the PostgreSQL and SQL Server connectors.
// Column values are normalised using the Connect schema names Debezium attaches, so the same
// code reads timestamps from `timestamp` (PostgreSQL) and `datetime2` (SQL Server) columns
// whatever `time.precision.mode` the connector runs with.

export type ChangeOp = 'c' | 'u' | 'd' | 'r';
export type Row = Record<string, unknown>;

export interface ChangeEvent {
  op: ChangeOp;
  before: Row | null;
  after: Row | null;
  /** Commit position of the change: PostgreSQL `lsn`, SQL Server `commit_lsn`/`change_lsn`, packed into a number. */
  position: number;
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
 * A number that grows with commit order, the same on every replay of the same change
 * (BRIEF.md invariant 2). PostgreSQL: the WAL LSN (a byte position; below 2^53 for any real
 * cluster). SQL Server: the 10-byte LSN `VLF:block:slot` packed as vlf·2^37 + block·2^16 + slot,
 * exact while VLF sequence numbers stay below 2^16 and block offsets below 2^21.
 */
export function positionOf(source: Record<string, unknown>): number {
  const lsn = source.commit_lsn ?? source.change_lsn ?? source.lsn;
  if (typeof lsn === 'number') return lsn;
  if (typeof lsn === 'string') {
    const m = /^([0-9a-fA-F]{8}):([0-9a-fA-F]{8}):([0-9a-fA-F]{4})$/.exec(lsn);
    if (m) return parseInt(m[1], 16) * 2 ** 37 + parseInt(m[2], 16) * 2 ** 16 + parseInt(m[3], 16);
    if (/^\d+$/.test(lsn)) return Number(lsn);
  }
  throw new CdcDecodeError(`no commit position (lsn) in source ${JSON.stringify(source)}`);
}
