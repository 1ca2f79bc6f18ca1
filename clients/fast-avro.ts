// A hand-written Avro binary codec for ContractCashflows, the pipeline's largest and most
// frequent record (every schedule, tens of events each): avsc's generic union handling cost
// about as much as the engine's computation of the contract. It writes and reads exactly the
// schema of schemas/avro/contract-cashflows.avsc (the unit test checks byte equality with avsc
// on generated values); a value it does not recognise as valid makes encode return undefined,
// and the caller falls back to avsc (which validates and names the offending fields). Decoding
// is only used for messages written with our own schema id; other writers go through avsc's
// schema resolution.
import type { CashflowEvent, ContractCashflows } from '../schemas/types.js';
import { GrowableBuffer } from './growable-buffer.js';

const STATUS = ['computed', 'waiting', 'deleted'] as const;

class Invalid extends Error {}

class Writer extends GrowableBuffer {
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  /** Avro int/long: zigzag varint (numbers up to 2^53 exactly). */
  long(n: number): void {
    // avsc's range for longs as numbers: |n| <= 2^53 - 2
    if (typeof n !== 'number' || !Number.isInteger(n) || n > 9007199254740990 || n < -9007199254740990) throw new Invalid();
    this.ensure(10);
    const buf = this.buf;
    if (n >= -0x40000000 && n < 0x40000000) {
      let z = ((n << 1) ^ (n >> 31)) >>> 0;
      while (z > 0x7f) {
        buf[this.pos++] = (z & 0x7f) | 0x80;
        z >>>= 7;
      }
      buf[this.pos++] = z;
      return;
    }
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      buf[this.pos++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    buf[this.pos++] = z;
  }
  double(x: number): void {
    if (typeof x !== 'number') throw new Invalid();
    this.ensure(8);
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }
  string(s: string): void {
    if (typeof s !== 'string') throw new Invalid();
    const n = s.length;
    if (n < 64) {
      // ASCII fast path: one length byte (zigzag 2n < 128), then the bytes
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[start] = n << 1;
        this.pos = p;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.long(len);
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }
  nullableString(s: string | null | undefined): void {
    if (s === null || s === undefined) {
      if (s === undefined) throw new Invalid();
      this.byte(0);
    } else {
      this.byte(2);
      this.string(s);
    }
  }
  nullableDouble(x: number | null | undefined): void {
    if (x === null) this.byte(0);
    else {
      this.byte(2);
      this.double(x as number);
    }
  }
}

// Encoded messages are cut from shared slabs, as Node's Buffer pool does below 4 KB: one
// ArrayBuffer per MB of output instead of one per schedule (each a backing store allocated,
// registered as external memory and finalised by the GC). A slab lives as long as any message
// cut from it: a batch's messages live until produced.
const SLAB_SIZE = 1 << 20;
let slab: Buffer | undefined; // the first on first use: most processes never encode a schedule
let slabUsed = SLAB_SIZE;

/** n bytes (uninitialised) cut from the current slab; larger requests get their own buffer. */
export function slabBytes(n: number): Buffer {
  if (n > SLAB_SIZE >> 3) return Buffer.allocUnsafeSlow(n);
  if (slab === undefined || slabUsed + n > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const bytes = slab.subarray(slabUsed, slabUsed + n);
  slabUsed = (slabUsed + n + 7) & ~7;
  return bytes;
}

// The message of a value with encoded events is written here, then copied out at its size.
const scratch = new Writer(1024);

/**
 * A schedule's events still in their Avro encoding: the array's bytes (its blocks and the final
 * 0) and how many events they hold. Values carry them both ways: the calculator encodes a
 * schedule straight from the engine's events (processors/encoded-schedule.ts) and the encoder
 * copies these bytes; the sink reads a message without decoding its events
 * (scanContractCashflows) and copies them into the database from these bytes.
 */
export interface EncodedEvents {
  readonly bytes: Uint8Array;
  readonly count: number;
}

const ENCODED_EVENTS = Symbol('ContractCashflows.encodedEvents');
type WithEncodedEvents = ContractCashflows & { [ENCODED_EVENTS]?: EncodedEvents };

/** The events of `v` still encoded (undefined for plain values, and once `events` was read or set). */
export function encodedEventsOf(v: Pick<ContractCashflows, 'events'>): EncodedEvents | undefined {
  return (v as WithEncodedEvents)[ENCODED_EVENTS];
}

/** How many events `v` has, without decoding them. */
export function eventCountOf(v: Pick<ContractCashflows, 'events'>): number {
  return encodedEventsOf(v)?.count ?? v.events.length;
}

/** The events of an encoded events array, decoded (by the fast codec, around an empty record). */
export function decodeEncodedEvents(bytes: Uint8Array): CashflowEvent[] {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  const events = readEvents(r);
  if (r.pos !== bytes.length) throw new RangeError(`trailing ${bytes.length - r.pos} bytes`);
  return events;
}

/**
 * `value` with `encoded` as its events: `events` (in place, keeping the key order) decodes them
 * when first read (tests, logs, avsc's fallback, the SQL Server twin). Once read or replaced,
 * the objects are the truth: the encoded bytes are dropped, so a change to them is not lost.
 */
export function withEncodedEvents(value: ContractCashflows, encoded: EncodedEvents): ContractCashflows {
  const v = value as WithEncodedEvents;
  const settle = (events: CashflowEvent[]): CashflowEvent[] => {
    Object.defineProperty(v, 'events', { value: events, enumerable: true, configurable: true, writable: true });
    v[ENCODED_EVENTS] = undefined;
    return events;
  };
  Object.defineProperty(v, ENCODED_EVENTS, { value: encoded, configurable: true, writable: true });
  Object.defineProperty(v, 'events', {
    enumerable: true,
    configurable: true,
    get: () => settle(decodeEncodedEvents(encoded.bytes)),
    set: settle,
  });
  return value;
}

/**
 * The Confluent wire format (magic 0, schema id) and the Avro body of `v`, or undefined when
 * `v` is not a valid ContractCashflows (the caller then lets avsc report what is wrong).
 */
export function encodeContractCashflows(schemaId: number, v: ContractCashflows): Buffer | undefined {
  const encoded = encodedEventsOf(v)?.bytes;
  const events = encoded === undefined ? v.events : undefined;
  if (encoded === undefined && !Array.isArray(events)) return undefined;
  let w: Writer;
  if (encoded === undefined) w = new Writer(128 + events!.length * 64);
  else {
    w = scratch;
    w.pos = 0;
  }
  try {
    w.byte(0);
    w.ensure(4);
    w.buf.writeUInt32BE(schemaId, 1);
    w.pos = 5;
    w.string(v.contractId);
    w.nullableString(v.contractType);
    w.long(v.version);
    w.nullableString(v.fingerprint);
    const status = STATUS.indexOf(v.status);
    if (status < 0) return undefined;
    w.long(status);
    w.nullableString(v.reason);
    w.string(v.computedAt);
    if (encoded !== undefined) {
      w.ensure(encoded.length);
      w.buf.set(encoded, w.pos);
      w.pos += encoded.length;
    } else {
      if (events!.length > 0) {
        w.long(events!.length);
        for (const e of events!) writeEvent(w, e);
      }
      w.byte(0);
    }
    w.nullableString(v.jobId);
    if (v.requestedAtMs === undefined) return undefined;
    if (v.requestedAtMs === null) w.byte(0);
    else {
      w.byte(2);
      w.long(v.requestedAtMs);
    }
  } catch (e) {
    if (e instanceof Invalid || e instanceof RangeError) return undefined;
    throw e;
  }
  if (encoded === undefined) return w.buf.subarray(0, w.pos);
  const message = slabBytes(w.pos);
  w.buf.copy(message, 0, 0, w.pos);
  return message;
}

function writeEvent(w: Writer, e: CashflowEvent): void {
  if (e === null || typeof e !== 'object') throw new Invalid();
  w.string(e.eventDate);
  w.string(e.eventType);
  w.nullableString(e.currency);
  w.double(e.payoff);
  w.nullableDouble(e.notionalPrincipal);
  w.nullableDouble(e.nominalInterestRate);
  w.nullableDouble(e.accruedInterest);
  w.nullableString(e.exerciseDate);
  w.nullableDouble(e.exerciseAmount);
}

/** Node's Buffer has these (what Buffer.toString calls after its argument checks). */
type Utf8Buffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

// A pure cache of short ASCII strings by hash slot (a miss just allocates): safe to lose.
const INTERN_SIZE = 4096;
const interned: (string | undefined)[] = new Array(INTERN_SIZE);

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('fast-avro assumes a little-endian machine');

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }
  long(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    let n = b & 0x7f;
    let k = 1;
    // up to 4 bytes (28 bits) with bit operations, beyond with arithmetic
    while (b & 0x80 && k < 4) {
      b = buf[this.pos++];
      n |= (b & 0x7f) << (7 * k);
      k++;
    }
    if (b & 0x80) {
      // the zigzag value z may exceed 2^53 (|v| up to 2^53 - 2): sum z / 2, exact, and keep z's low bit apart
      const negative = n & 1;
      let half = n >>> 1;
      let f = 2 ** 27;
      do {
        b = buf[this.pos++];
        half += (b & 0x7f) * f;
        f *= 128;
      } while (b & 0x80);
      if (this.pos > buf.length) throw new RangeError('truncated');
      return negative ? -half - 1 : half;
    }
    if (this.pos > buf.length) throw new RangeError('truncated');
    return (n >>> 1) ^ -(n & 1);
  }
  double(): number {
    const buf = this.buf;
    const p = this.pos;
    if (p + 8 > buf.length) throw new RangeError('truncated');
    f64bytes[0] = buf[p];
    f64bytes[1] = buf[p + 1];
    f64bytes[2] = buf[p + 2];
    f64bytes[3] = buf[p + 3];
    f64bytes[4] = buf[p + 4];
    f64bytes[5] = buf[p + 5];
    f64bytes[6] = buf[p + 6];
    f64bytes[7] = buf[p + 7];
    this.pos = p + 8;
    return f64[0];
  }
  string(): string {
    const len = this.long();
    const start = this.pos;
    const end = start + len;
    if (len < 0 || end > this.buf.length) throw new RangeError('truncated');
    this.pos = end;
    if (len === 0) return '';
    if (len <= 24) {
      // short strings (dates, event types, currencies) repeat across a batch: intern them
      const buf = this.buf;
      let h = len;
      for (let i = start; i < end; i++) {
        const c = buf[i];
        if (c >= 0x80) return (buf as Utf8Buffer).utf8Slice(start, end);
        h = (Math.imul(h, 31) + c) | 0;
      }
      const slot = h & (INTERN_SIZE - 1);
      const cached = interned[slot];
      if (cached !== undefined && cached.length === len) {
        let same = true;
        for (let i = 0; i < len; i++) {
          if (cached.charCodeAt(i) !== buf[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return cached;
      }
      const fresh = (buf as Utf8Buffer).latin1Slice(start, end);
      interned[slot] = fresh;
      return fresh;
    }
    return (this.buf as Utf8Buffer).utf8Slice(start, end);
  }
  skip(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new RangeError('truncated');
    this.pos += n;
  }
  skipString(): void {
    this.skip(this.long());
  }
  skipNullableString(): void {
    if (this.union()) this.skipString();
  }
  skipNullableDouble(): void {
    if (this.union()) this.skip(8);
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
  nullableDouble(): number | null {
    return this.union() ? this.double() : null;
  }
}

/** The events array at r.pos (its blocks and the final 0), decoded. */
function readEvents(r: Reader): CashflowEvent[] {
  const events: CashflowEvent[] = [];
  for (;;) {
    let count = r.long();
    if (count === 0) break;
    if (count < 0) {
      count = -count;
      r.long(); // block size in bytes
    }
    for (let i = 0; i < count; i++) {
      events.push({
        eventDate: r.string(),
        eventType: r.string(),
        currency: r.nullableString(),
        payoff: r.double(),
        notionalPrincipal: r.nullableDouble(),
        nominalInterestRate: r.nullableDouble(),
        accruedInterest: r.nullableDouble(),
        exerciseDate: r.nullableString(),
        exerciseAmount: r.nullableDouble(),
      });
    }
  }
  return events;
}

/**
 * A ContractCashflows body written with our own schema (after the 5-byte header), checked in
 * full (structure, union and enum indexes, lengths, no trailing bytes) with its events left
 * encoded: encodedEventsOf gives their bytes, `events` decodes them on first access. The sink
 * copies them into the database from there: building ~80 objects with three strings each per
 * contract only to take them apart again for COPY was most of its CPU.
 */
export function scanContractCashflows(message: Buffer, offset = 5): ContractCashflows {
  const r = new Reader(message, offset);
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
  // the keys in the schema's order (inspect prints them so)
  const value: ContractCashflows = { contractId, contractType, version, fingerprint, status, reason, computedAt, events: [], jobId, requestedAtMs };
  return count === 0 ? value : withEncodedEvents(value, { bytes: message.subarray(arrayStart, arrayEnd), count });
}

/** The value of a ContractCashflows body written with our own schema (after the 5-byte header), events decoded. */
export function decodeContractCashflows(message: Buffer, offset = 5): ContractCashflows {
  const value = scanContractCashflows(message, offset);
  void value.events; // decoded now, as a plain property
  return value;
}
