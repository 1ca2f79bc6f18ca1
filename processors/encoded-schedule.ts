// A computed schedule straight from the engine's events to the Avro encoding of
// ContractCashflows.events, with its fingerprint in the same pass. Formatting every event's
// date, building a CashflowEvent per event, hashing them and then encoding them char by char
// cost the calculator about twice the engine's own time (and most of its garbage): a book
// shares few distinct dates, event types and currencies, so their encoded bytes and hash
// inputs are computed once and copied.
//   bytes       exactly what clients/fast-avro.ts (and avsc) write for cashflowEvents(p, events)
//   fingerprint exactly fingerprintOfEvents(p, events) (processors/calculator.ts): a changed
//               fingerprint would republish every contract once
// The tests compare both with the reference paths on generated and real schedules.
import { ENCODED_EVENTS, decodeContractCashflows } from '../clients/fast-avro.js';
import { formatDateTime, type ContractEvent, type PreparedContract } from '../engine/index.js';
import type { CashflowEvent, ContractCashflows } from '../schemas/types.js';

// ------------------------------------------------------------------ the fingerprint's hash

// Hash64.int(k) in two halves: premix(k) depends on k alone (so cached inputs keep it), the
// lanes' steps fold it into the state.
function premix(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}
function laneB(ka: number): number {
  return Math.imul(ka ^ (ka >>> 16), 0x85ebca6b);
}
function stepA(a: number, ka: number): number {
  a ^= ka;
  a = (a << 13) | (a >>> 19);
  return (Math.imul(a, 5) + 0xe6546b64) | 0;
}
function stepB(b: number, kb: number): number {
  b ^= kb;
  b = (b << 17) | (b >>> 15);
  return (Math.imul(b, 9) + 0x52dce729) | 0;
}
const SEED_A = 0x9747b28c;
const SEED_B = 0x85ebca6b;

function digest(a: number, b: number): string {
  const fin = (h: number) => {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  return fin(a ^ b).toString(16).padStart(8, '0') + fin(b + Math.imul(a, 31)).toString(16).padStart(8, '0');
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Two 32-bit lanes of a MurmurHash3-style mix: 64 bits, ample to tell one schedule from the next. */
export class Hash64 {
  private a = SEED_A;
  private b = SEED_B;
  int(k: number): void {
    const ka = premix(k);
    this.a = stepA(this.a, ka);
    this.b = stepB(this.b, laneB(ka));
  }
  /** Two UTF-16 units per step, then the length (so that "ab","c" ≠ "a","bc"). */
  string(s: string): void {
    const n = s.length;
    let i = 0;
    for (; i + 1 < n; i += 2) this.int(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) this.int(s.charCodeAt(i));
    this.int(n);
  }
  number(x: number | null): void {
    if (x === null) {
      this.int(NULL_BITS);
      return;
    }
    f64[0] = x;
    this.int(u32[0]);
    this.int(u32[1]);
  }
  digest(): string {
    return digest(this.a, this.b);
  }
}

/** What Hash64.number(null) hashes. */
const NULL_BITS = 0x7ff80001;
const NULL_KA = premix(NULL_BITS);
const NULL_KB = laneB(NULL_KA);

// ------------------------------------------------------------------ cached strings and dates

/** A string's Avro encoding (zigzag length, UTF-8) and the premixed inputs Hash64.string hashes. */
interface CachedString {
  avro: Uint8Array;
  /** ka, kb pairs. */
  keys: Int32Array;
}

function cachedString(s: string): CachedString {
  const utf8 = Buffer.from(s, 'utf8');
  const avro = new Uint8Array(zigzagLength(utf8.length) + utf8.length);
  let p = writeLong(avro, 0, utf8.length);
  avro.set(utf8, p);
  p += utf8.length;
  const ints: number[] = [];
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) ints.push(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) ints.push(s.charCodeAt(i));
  ints.push(n);
  const keys = new Int32Array(ints.length * 2);
  ints.forEach((k, j) => {
    keys[2 * j] = premix(k);
    keys[2 * j + 1] = laneB(keys[2 * j]);
  });
  return { avro, keys };
}

// Event types and currencies: a handful per book. A pure cache, bounded, safe to lose.
const strings = new Map<string, CachedString>();
function stringOf(s: string): CachedString {
  let c = strings.get(s);
  if (c === undefined) {
    if (strings.size >= 10_000) strings.clear();
    strings.set(s, (c = cachedString(s)));
  }
  return c;
}

/** Avro long (zigzag varint) of a non-negative integer below 2^31 at p; returns the next position. */
function writeLong(buf: Uint8Array, p: number, n: number): number {
  let z = n * 2;
  while (z >= 0x80) {
    buf[p++] = (z & 0x7f) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[p++] = z;
  return p;
}
function zigzagLength(n: number): number {
  let z = n * 2;
  let k = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    k++;
  }
  return k;
}

// Event dates, direct-mapped by day number: 2^15 days (~90 years) hold a book's dates without
// collisions; a collision only recomputes. Per slot: the instant, the Avro string (at most 31
// bytes: formatDateTime gives 19 for years 0–9999) and the premixed hash inputs of its bits.
const MS_PER_DAY = 86_400_000;
const DATE_SLOTS = 1 << 15;
const DATE_STRIDE = 32;
const dateTime = new Float64Array(DATE_SLOTS).fill(NaN);
const dateLength = new Uint8Array(DATE_SLOTS);
const dateBytes = new Uint8Array(DATE_SLOTS * DATE_STRIDE);
const dateKeys = new Int32Array(DATE_SLOTS * 4);

/** The slot of instant t, filled; -1 when its text is too long to cache (not a real date). */
function dateSlot(t: number): number {
  const slot = (t / MS_PER_DAY) & (DATE_SLOTS - 1);
  if (dateTime[slot] === t) return slot;
  dateTime[slot] = NaN; // until refilled: a slot half written must not hit
  const s = formatDateTime(t);
  if (s.length >= DATE_STRIDE) return -1;
  const o = slot * DATE_STRIDE;
  dateBytes[o] = s.length * 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    dateBytes[o + 1 + i] = c;
  }
  dateLength[slot] = s.length + 1;
  f64[0] = t;
  const k = slot * 4;
  dateKeys[k] = premix(u32[0]);
  dateKeys[k + 1] = laneB(dateKeys[k]);
  dateKeys[k + 2] = premix(u32[1]);
  dateKeys[k + 3] = laneB(dateKeys[k + 2]);
  dateTime[slot] = t;
  return slot;
}

// ------------------------------------------------------------------ the encoder

/** The events of one computed schedule, encoded, and the schedule's fingerprint. */
export interface EncodedSchedule {
  /** The Avro encoding of ContractCashflows.events: count, the events, the final 0. */
  bytes: Buffer;
  count: number;
  fingerprint: string;
}

// One scratch buffer for every schedule (the result is copied out at its exact size).
let out = new Uint8Array(1 << 16);
function grow(p: number, n: number): void {
  const next = new Uint8Array(Math.max(out.length * 2, p + n));
  next.set(out.subarray(0, p));
  out = next;
}

/** Hash64 of 'computed', as fingerprintOfEvents starts. */
const COMPUTED = stringOf('computed').keys;

// The hash lanes of the schedule being encoded (a and b of Hash64).
const lanes = new Int32Array(2);
function mixKeys(keys: Int32Array, from: number, to: number): void {
  let a = lanes[0], b = lanes[1];
  for (let j = from; j < to; j += 2) {
    a = stepA(a, keys[j]);
    b = stepB(b, keys[j + 1]);
  }
  lanes[0] = a;
  lanes[1] = b;
}
function mixInt(k: number): void {
  const ka = premix(k);
  lanes[0] = stepA(lanes[0], ka);
  lanes[1] = stepB(lanes[1], laneB(ka));
}
function mixNull(): void {
  lanes[0] = stepA(lanes[0], NULL_KA);
  lanes[1] = stepB(lanes[1], NULL_KB);
}
/** A double at pos, little-endian (as Buffer.writeDoubleLE), its bits hashed as Hash64.number. */
function putDouble(buf: Uint8Array, pos: number, x: number): void {
  f64[0] = x;
  const lo = u32[0], hi = u32[1];
  buf[pos] = lo;
  buf[pos + 1] = lo >>> 8;
  buf[pos + 2] = lo >>> 16;
  buf[pos + 3] = lo >>> 24;
  buf[pos + 4] = hi;
  buf[pos + 5] = hi >>> 8;
  buf[pos + 6] = hi >>> 16;
  buf[pos + 7] = hi >>> 24;
  mixInt(lo);
  mixInt(hi);
}
/** A cached date's Avro string at pos (its bits hashed as Hash64.number); returns the next position. */
function putDate(buf: Uint8Array, pos: number, slot: number): number {
  let o = slot * DATE_STRIDE;
  for (let k = dateLength[slot]; k > 0; k--) buf[pos++] = dateBytes[o++];
  mixKeys(dateKeys, slot * 4, slot * 4 + 4);
  return pos;
}

/**
 * encodeSchedule(p, events): the Avro bytes of cashflowEvents(p, events) and
 * fingerprintOfEvents(p, events), in one pass; undefined for what it does not handle (a
 * currency or type that is not a string, a date beyond what formatDateTime writes in 31
 * characters): the caller then takes the reference path.
 */
export function encodeSchedule(p: PreparedContract, events: readonly ContractEvent[]): EncodedSchedule | undefined {
  const reported = p.type.reportedStates;
  const nt = reported.includes('notionalPrincipal'), ir = reported.includes('nominalInterestRate'), ac = reported.includes('accruedInterest');
  const xd = reported.includes('exerciseDate'), xa = reported.includes('exerciseAmount');
  lanes[0] = SEED_A;
  lanes[1] = SEED_B;
  mixKeys(COMPUTED, 0, COMPUTED.length);
  const n = events.length;
  mixInt(n);

  if (out.length < 16) grow(0, 16);
  let pos = n > 0 ? writeLong(out, 0, n) : 0;
  let currency: string | undefined;
  let cur: CachedString | undefined;
  let lastType: string | undefined;
  let type: CachedString | undefined;
  for (let i = 0; i < n; i++) {
    const e = events[i];
    if (e.currency !== currency) {
      if (typeof e.currency !== 'string') return undefined;
      currency = e.currency;
      cur = stringOf(currency);
      mixKeys(cur.keys, 0, cur.keys.length);
    }
    if (cur === undefined) return undefined;
    if (e.type !== lastType) {
      if (typeof e.type !== 'string') return undefined;
      lastType = e.type;
      type = stringOf(lastType);
    }
    const typeAvro = type!.avro, curAvro = cur!.avro;
    // two dates and their unions ≤ 65, type, currency union, 5 nullable doubles ≤ 45
    const most = 112 + typeAvro.length + curAvro.length;
    if (pos + most > out.length) grow(pos, most);
    const buf = out;

    const slot = dateSlot(e.time);
    if (slot < 0) return undefined;
    pos = putDate(buf, pos, slot);
    for (let k = 0; k < typeAvro.length; k++) buf[pos++] = typeAvro[k];
    mixKeys(type!.keys, 0, type!.keys.length);
    // currency: never null here (hashed above, when it changes)
    buf[pos++] = 2;
    for (let k = 0; k < curAvro.length; k++) buf[pos++] = curAvro[k];
    putDouble(buf, pos, e.payoff);
    pos += 8;
    if (nt) {
      buf[pos++] = 2;
      putDouble(buf, pos, e.notionalPrincipal);
      pos += 8;
    } else {
      buf[pos++] = 0;
      mixNull();
    }
    if (ir) {
      buf[pos++] = 2;
      putDouble(buf, pos, e.nominalInterestRate);
      pos += 8;
    } else {
      buf[pos++] = 0;
      mixNull();
    }
    if (ac) {
      buf[pos++] = 2;
      putDouble(buf, pos, e.accruedInterest);
      pos += 8;
    } else {
      buf[pos++] = 0;
      mixNull();
    }
    // exercise date and amount: only once exercised, and only where the type reports them
    const exercised = Number.isFinite(e.exerciseDate);
    if (xd && exercised) {
      const xs = dateSlot(e.exerciseDate);
      if (xs < 0) return undefined;
      buf[pos++] = 2;
      pos = putDate(buf, pos, xs);
    } else {
      buf[pos++] = 0;
      mixNull();
    }
    if (xa && exercised) {
      buf[pos++] = 2;
      putDouble(buf, pos, e.exerciseAmount);
      pos += 8;
    } else {
      buf[pos++] = 0;
      mixNull();
    }
  }
  if (pos + 1 > out.length) grow(pos, 1);
  out[pos++] = 0;
  const bytes = Buffer.allocUnsafe(pos);
  bytes.set(out.subarray(0, pos));
  return { bytes, count: n, fingerprint: digest(lanes[0], lanes[1]) };
}

// ------------------------------------------------------------------ values carrying them

/** The events of an encoded events array, decoded (by the fast codec, around an empty record). */
export function decodeEncodedEvents(bytes: Uint8Array): CashflowEvent[] {
  // header (5), contractId '', contractType null, version 0, fingerprint null, status 0,
  // reason null, computedAt '' (7 zero bytes), the events, jobId null, requestedAtMs null
  const message = Buffer.alloc(12 + bytes.length + 2);
  message.set(bytes, 12);
  return decodeContractCashflows(message).events;
}

/**
 * A ContractCashflows value whose events are the encoded ones: the encoder copies the bytes
 * (ENCODED_EVENTS); `events` decodes them only when read (tests, avsc's fallback, logs).
 */
export function withEncodedEvents(value: ContractCashflows, encoded: Uint8Array): ContractCashflows {
  let events: CashflowEvent[] | undefined;
  Object.defineProperty(value, 'events', { enumerable: true, configurable: true, get: () => (events ??= decodeEncodedEvents(encoded)) });
  Object.defineProperty(value, ENCODED_EVENTS, { value: encoded });
  return value;
}
