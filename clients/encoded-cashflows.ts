// ContractCashflows read without materialising its events: the sink only moves a schedule's
// events from Kafka into PostgreSQL, and building ~80 objects with three strings each per
// contract, then taking them apart again for COPY, was most of its CPU. The message is checked
// in full here (structure, union and enum indexes, lengths, no trailing bytes: exactly what
// decodeContractCashflows refuses), the header fields are read, and the events stay as Avro
// bytes. `events` is still there for every other reader: the first access decodes them.
import type { CashflowStatus, ContractCashflows } from '../schemas/types.js';
import { withEncodedEvents } from './fast-avro.js';

const STATUS: readonly CashflowStatus[] = ['computed', 'waiting', 'deleted'];

class Scanner {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}
  long(): number {
    // zigzag: the low bit is the sign; z / 2 summed exactly (z itself may exceed 2^53)
    const buf = this.buf;
    if (this.pos >= buf.length) throw new RangeError('truncated');
    let b = buf[this.pos++];
    const negative = b & 1;
    let half = (b & 0x7f) >>> 1;
    let f = 64;
    while (b & 0x80) {
      if (this.pos >= buf.length) throw new RangeError('truncated');
      b = buf[this.pos++];
      half += (b & 0x7f) * f;
      f *= 128;
    }
    return negative ? -half - 1 : half;
  }
  skip(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new RangeError('truncated');
    this.pos += n;
  }
  string(): string {
    const len = this.long();
    const start = this.pos;
    this.skip(len);
    return this.buf.toString('utf8', start, start + len);
  }
  skipString(): void {
    this.skip(this.long());
  }
  union(): boolean {
    const i = this.long();
    if (i === 0) return false;
    if (i === 1) return true;
    throw new RangeError(`bad union index ${i}`);
  }
  nullableString(): string | null {
    return this.union() ? this.string() : null;
  }
  skipNullableString(): void {
    if (this.union()) this.skipString();
  }
  skipNullableDouble(): void {
    if (this.union()) this.skip(8);
  }
}

/**
 * decodeContractCashflows's value (same checks, same errors' kinds) with the events left
 * encoded: encodedEventsOf gives their bytes, `events` decodes them on first access.
 */
export function scanContractCashflows(message: Buffer, offset = 5): ContractCashflows {
  const r = new Scanner(message, offset);
  const contractId = r.string();
  const contractType = r.nullableString();
  const version = r.long();
  const fingerprint = r.nullableString();
  const statusIndex = r.long();
  const status = STATUS[statusIndex];
  if (status === undefined) throw new RangeError(`bad enum index ${statusIndex}`);
  const reason = r.nullableString();
  const computedAt = r.string();
  const arrayStart = r.pos;
  let count = 0;
  for (;;) {
    let n = r.long();
    if (n === 0) break;
    if (n < 0) {
      n = -n;
      r.long(); // block size in bytes
    }
    for (let i = 0; i < n; i++) {
      r.skipString(); // eventDate
      r.skipString(); // eventType
      r.skipNullableString(); // currency
      r.skip(8); // payoff
      r.skipNullableDouble();
      r.skipNullableDouble();
      r.skipNullableDouble();
      r.skipNullableString(); // exerciseDate
      r.skipNullableDouble(); // exerciseAmount
    }
    count += n;
  }
  const arrayEnd = r.pos;
  const jobId = r.nullableString();
  const requestedAtMs = r.union() ? r.long() : null;
  if (r.pos !== message.length) throw new RangeError(`trailing ${message.length - r.pos} bytes`);
  // the keys in the schema's order, as decodeContractCashflows has them (inspect prints them)
  const value: ContractCashflows = { contractId, contractType, version, fingerprint, status, reason, computedAt, events: [], jobId, requestedAtMs };
  return count === 0 ? value : withEncodedEvents(value, { bytes: message.subarray(arrayStart, arrayEnd), count });
}
