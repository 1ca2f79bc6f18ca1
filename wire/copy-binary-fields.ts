// The fields of PostgreSQL's COPY binary format (COPY, "Binary Format"): the file header, and
// values in network order behind their int32 length. Shared by the writer of contract_cashflows
// rows (wire/copy-binary.ts), the Avro transcoder (wire/avro-to-copy.ts) and the reader of
// stored rows (db/postgres/copy-read.ts).

/** Signature, int32 flags 0, int32 header extension length 0. */
export const PGCOPY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Milliseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
export const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
const timestampFields = new Map<string, Buffer>();

/** An int8 field (length 8, then the value big-endian; exact for |v| < 2^53). */
export function int8Field(v: number): Buffer {
  const b = Buffer.allocUnsafe(12);
  b.writeInt32BE(8, 0);
  const hi = Math.floor(v / 2 ** 32);
  b.writeInt32BE(hi, 4);
  b.writeUInt32BE(v - hi * 2 ** 32, 8);
  return b;
}

/** `YYYY-MM-DDTHH:MM:SS` as a binary timestamp field (µs since 2000-01-01), or undefined. */
export function pgTimestampField(s: string): Buffer | undefined {
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
export function timestampFieldAt(buf: Uint8Array, p: number, length: number): Buffer | undefined {
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

/** A text field: its UTF-8 bytes behind their int32 length. */
export function lengthPrefixed(v: string): Buffer {
  const n = Buffer.byteLength(v, 'utf8');
  const b = Buffer.allocUnsafe(4 + n);
  b.writeInt32BE(n, 0);
  b.write(v, 4, n, 'utf8');
  return b;
}
