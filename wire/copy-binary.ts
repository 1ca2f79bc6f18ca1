// The sink's rows of contract_cashflows in PostgreSQL's COPY binary format (COPY, "Binary
// Format"): no number or date text to format here or to parse in the server
// (docs/operations.md "Writing results and moving records fast"). Events still in Avro are
// transcoded from their bytes (wire/avro-to-copy.ts); the text format (wire/copy-text.ts) is the
// fallback for dates this format does not take.
import { GrowableBuffer } from './growable-buffer.js';
import { eventCount, isEncoded, type Schedule } from './schedule.js';
import { transcodeAvroEvents } from './avro-to-copy.js';
import { int8Field, lengthPrefixed, PGCOPY_HEADER, pgTimestampField } from './copy-binary-fields.js';

/** What the rows of one contract are made of (db/database.ts ContractResult has these and more). */
type CopiedResult = Pick<Schedule, 'contractId' | 'version' | 'status' | 'events'>;

/** The rows being written: each value behind its length, in network order. */
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

/**
 * The contract_cashflows rows of `results` in COPY's binary format (no number or date text to
 * format here or to parse in the server), as one Buffer; undefined when an event date is not a
 * plain `YYYY-MM-DDTHH:MM:SS` (the caller then uses the text format, whose parsing PostgreSQL does).
 */
export function cashflowCopyBinary(results: readonly CopiedResult[]): Buffer | undefined {
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
      if (!transcodeAvroEvents(w, events, id, version)) return undefined;
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
