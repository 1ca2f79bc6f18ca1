// ContractCashflows read without materialising its events: the sink only moves a schedule's
// events from Kafka into PostgreSQL, and building ~80 objects with three strings each per
// contract, then taking them apart again for COPY, was most of its CPU. The message is checked
// in full here (structure, union and enum indexes, lengths, no trailing bytes: exactly what
// decodeContractCashflows refuses), the header fields are read, and the events stay as Avro
// bytes. `events` is still there for every other reader: the first access decodes them.
import type { CashflowEvent, CashflowStatus, ContractCashflows } from '../schemas/types.js';
import { decodeContractCashflows } from './fast-avro.js';

const STATUS: readonly CashflowStatus[] = ['computed', 'waiting', 'deleted'];

/** The Avro bytes of a schedule's events: `count` events from `start` to `end` of `buf`. */
export interface EncodedEvents {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

const ENCODED = Symbol('encodedEvents');
type WithEncoded = ContractCashflows & { [ENCODED]?: EncodedEvents };

/** The still-encoded events of a value from scanContractCashflows (undefined once decoded or for any other value). */
export function encodedEventsOf(v: Pick<ContractCashflows, 'events'>): EncodedEvents | undefined {
  return (v as WithEncoded)[ENCODED];
}

/** How many events a result has, without decoding them. */
export function eventCountOf(v: Pick<ContractCashflows, 'events'>): number {
  return encodedEventsOf(v)?.count ?? v.events.length;
}

class Scanner {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}
  long(): number {
    const buf = this.buf;
    let n = 0;
    let f = 1;
    let b: number;
    do {
      if (this.pos >= buf.length) throw new RangeError('truncated');
      b = buf[this.pos++];
      n += (b & 0x7f) * f;
      f *= 128;
    } while (b & 0x80);
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
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
  let start = r.pos;
  let count = 0;
  let blocks = 0;
  for (;;) {
    let n = r.long();
    if (n === 0) break;
    if (n < 0) {
      n = -n;
      r.long(); // block size in bytes
    }
    if (blocks++ === 0) start = r.pos;
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
  const end = r.pos - 1; // before the closing 0
  const jobId = r.nullableString();
  const requestedAtMs = r.union() ? r.long() : null;
  if (r.pos !== message.length) throw new RangeError(`trailing ${message.length - r.pos} bytes`);
  // the keys in the schema's order, as decodeContractCashflows has them (inspect prints them)
  const value: WithEncoded = { contractId, contractType, version, fingerprint, status, reason, computedAt, events: [], jobId, requestedAtMs };
  if (count === 0) return value;
  if (blocks > 1) {
    // several blocks (not what our writer produces): plain objects
    value.events = decodeContractCashflows(message, offset).events;
    return value;
  }
  Object.defineProperty(value, ENCODED, { value: { buf: message, start, end, count }, configurable: true, writable: true });
  Object.defineProperty(value, 'events', {
    enumerable: true,
    configurable: true,
    get(this: WithEncoded): CashflowEvent[] {
      const events = decodeContractCashflows(message, offset).events;
      Object.defineProperty(this, 'events', { value: events, enumerable: true, configurable: true, writable: true });
      this[ENCODED] = undefined;
      return events;
    },
    set(this: WithEncoded, events: CashflowEvent[]) {
      Object.defineProperty(this, 'events', { value: events, enumerable: true, configurable: true, writable: true });
      this[ENCODED] = undefined;
    },
  });
  return value;
}
