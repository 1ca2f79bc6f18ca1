// The sink's hot path: contract_cashflows rows in COPY's binary format (wire/copy-binary.ts)
// written straight from the Avro bytes of a schedule's events, which the sink received and never
// decoded (docs/operations.md "Writing results and moving records fast").
import type { EncodedEvents } from './schedule.js';
import type { GrowableBuffer } from './growable-buffer.js';
import { timestampFieldAt } from './copy-binary-fields.js';

/**
 * The rows of events still in Avro (wire/avro-cashflows.ts scanContractCashflows, which checked them) straight from their bytes:
 * strings copied as they are, doubles turned big-endian, dates read from their digits; the
 * same bytes cashflowCopyBinary writes for the decoded events. False when a date is not a
 * plain `YYYY-MM-DDTHH:MM:SS` (the caller falls back to the text format). One loop without
 * helpers or bounds checks per field: it runs for every event the pipeline stores. `id` and
 * `version` are the contract's fields as written (lengthPrefixed, int8Field); the rows go to `w`
 * at its position, which moves past them only when all were written.
 */
export function transcodeAvroEvents(w: GrowableBuffer, e: EncodedEvents, id: Buffer, version: Buffer): boolean {
  // Each row: its fixed fields, plus at most the Avro bytes of its event (a string's 4-byte
  // length prefix against Avro's ≥ 1-byte varint: + 3 each for type and currency)
  const src = e.bytes;
  w.ensure(e.count * (2 + id.length + 8 + 12 + 4 * 12 + version.length + 6) + src.length);
  const out = w.buf;
  let p = 0;
  let q = w.pos;
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
  w.pos = q;
  return true;
}
