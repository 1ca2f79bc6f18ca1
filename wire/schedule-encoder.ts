// A computed schedule straight from the engine's events to the Avro encoding of
// ContractCashflows.events, with its fingerprint's word stream (wire/fingerprint.ts) in the same pass. Formatting every event's
// date, building a CashflowEvent per event, hashing them and then encoding them char by char
// cost the calculator about twice the engine's own time (and most of its garbage): a book
// shares few distinct dates, event types and currencies, so their encoded bytes and hash
// inputs are computed once and copied.
//   bytes       exactly what wire/avro-cashflows.ts (and avsc) write for cashflowEvents(p, events)
//   fingerprint exactly fingerprintOfEvents(p, events) (wire/fingerprint.ts): a changed
//               fingerprint would republish every contract once
// The tests compare both with the reference paths on generated and real schedules.
import { formatDateTime, type ContractEvent, type PreparedContract } from '../engine/index.js';
import { slabBytes } from './avro-writer.js';
import { hashWords, NULL_BITS, stringWords } from './fingerprint.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the schedule encoder assumes a little-endian machine');

// ------------------------------------------------------------------ cached strings and dates

/** A string's Avro encoding (zigzag length, UTF-8) and its fingerprint words. */
interface CachedString {
  avro: Uint8Array;
  words: Int32Array;
}

function cachedString(s: string): CachedString {
  const utf8 = Buffer.from(s, 'utf8');
  const avro = new Uint8Array(zigzagLength(utf8.length) + utf8.length);
  avro.set(utf8, writeLong(avro, 0, utf8.length));
  const words: number[] = [];
  stringWords(s, words);
  return { avro, words: Int32Array.from(words) };
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

// The event types, looked up by identity first (a handful, and the engine's type strings are
// constants): the Map only on a miss.
const recentTypes: string[] = [];
const recentTypeEntries: CachedString[] = [];
function typeOf(t: string): CachedString {
  for (let j = 0; j < recentTypes.length; j++) if (recentTypes[j] === t) return recentTypeEntries[j];
  const c = stringOf(t);
  if (recentTypes.length >= 32) {
    recentTypes.length = 0;
    recentTypeEntries.length = 0;
  }
  recentTypes.push(t);
  recentTypeEntries.push(c);
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
// bytes: formatDateTime gives 19 for years 0–9999, copied 4 bytes at a time) and the two
// 32-bit halves of the instant's bits (what Hash64.number hashes).
const MS_PER_DAY = 86_400_000;
const DATE_SLOTS = 1 << 15;
const DATE_STRIDE = 32;
const dateTime = new Float64Array(DATE_SLOTS).fill(NaN);
const dateLength = new Uint8Array(DATE_SLOTS);
const dateBytes = new Uint8Array(DATE_SLOTS * DATE_STRIDE);
/** dateBytes as 32-bit words (little-endian, checked above). */
const dateWords = new Int32Array(dateBytes.buffer);
const dateBits = new Int32Array(DATE_SLOTS * 2);

function slotOf(t: number): number {
  return (t / MS_PER_DAY) & (DATE_SLOTS - 1);
}

/** The slot of instant t, filled; -1 when its text is too long to cache (not a real date). */
function dateSlot(t: number): number {
  const slot = slotOf(t);
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
  dateBits[2 * slot] = u32[0];
  dateBits[2 * slot + 1] = u32[1];
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

// Scratch buffers shared by every schedule: the Avro bytes (copied out at their exact size) and
// the 32-bit words the fingerprint hashes (wire/fingerprint.ts), hashed by hashWords at the end.
let out = new Uint8Array(1 << 16);
let outView = new DataView(out.buffer);
let words = new Int32Array(1 << 14);
let wordsView = new DataView(words.buffer);
function growOut(p: number, n: number): void {
  const next = new Uint8Array(Math.max(out.length * 2, p + n));
  next.set(out.subarray(0, p));
  out = next;
  outView = new DataView(out.buffer);
}
function growWords(h: number, n: number): void {
  const next = new Int32Array(Math.max(words.length * 2, h + n));
  next.set(words.subarray(0, h));
  words = next;
  wordsView = new DataView(words.buffer);
}

/** What fingerprintOfEvents hashes first: the status. */
const COMPUTED = stringOf('computed').words;

/**
 * encodeSchedule(p, events): the Avro bytes of cashflowEvents(p, events) and
 * fingerprintOfEvents(p, events), in one pass; undefined for what it does not handle (a
 * currency or type that is not a string, a date beyond what formatDateTime writes in 31
 * characters): the caller then takes the reference path.
 */
export function encodeSchedule(p: PreparedContract, events: readonly ContractEvent[]): EncodedSchedule | undefined {
  const fingerprint = encode(p, events, true);
  if (fingerprint === undefined) return undefined;
  const bytes = slabBytes(encodedLength);
  bytes.set(out.subarray(0, encodedLength));
  return { bytes, count: events.length, fingerprint };
}

/**
 * fingerprintOfEvents(p, events) from the encoder's pass without the Avro bytes (what verify
 * needs: it compares the events, not their encoding); undefined where encodeSchedule is.
 */
export function scheduleFingerprint(p: PreparedContract, events: readonly ContractEvent[]): string | undefined {
  return encode(p, events, false);
}

/** The length of the bytes the last encode(…, true) wrote into `out`. */
let encodedLength = 0;

/**
 * The pass of encodeSchedule: the fingerprint, and the Avro bytes into `out` when asked. Without
 * bytes the dates and strings are not copied; the doubles and null markers still land in the
 * scratch buffer (cheaper than a test each), never read.
 */
function encode(p: PreparedContract, events: readonly ContractEvent[], withBytes: boolean): string | undefined {
  const reported = p.type.reportedStates;
  const nt = reported.includes('notionalPrincipal'), ir = reported.includes('nominalInterestRate'), ac = reported.includes('accruedInterest');
  const xd = reported.includes('exerciseDate'), xa = reported.includes('exerciseAmount');
  const n = events.length;
  if (words.length < 64) growWords(0, 64);
  words.set(COMPUTED);
  let h = COMPUTED.length;
  words[h++] = n;
  if (out.length < 16) growOut(0, 16);
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
      if (h + cur.words.length > words.length) growWords(h, cur.words.length);
      words.set(cur.words, h);
      h += cur.words.length;
    }
    if (cur === undefined) return undefined;
    if (e.type !== lastType) {
      if (typeof e.type !== 'string') return undefined;
      lastType = e.type;
      type = typeOf(lastType);
    }
    const typeAvro = type!.avro, typeWords = type!.words, curAvro = cur.avro;
    // two dates (copied in words: ≤ 32 each) and their unions, type, currency union, 5 nullable doubles ≤ 45
    const most = 112 + typeAvro.length + curAvro.length;
    if (pos + most > out.length) growOut(pos, most);
    if (h + 16 + typeWords.length > words.length) growWords(h, 16 + typeWords.length);
    const buf = out, view = outView, hash = words, hashView = wordsView;

    // eventDate
    let slot = slotOf(e.time);
    if (dateTime[slot] !== e.time && (slot = dateSlot(e.time)) < 0) return undefined;
    let len = dateLength[slot];
    if (withBytes) {
      for (let w = slot * (DATE_STRIDE / 4), end = w + ((len + 3) >> 2), at = pos; w < end; w++, at += 4) view.setInt32(at, dateWords[w], true);
      pos += len;
      // eventType; currency: never null here (hashed above, when it changes)
      for (let k = 0; k < typeAvro.length; k++) buf[pos++] = typeAvro[k];
      buf[pos++] = 2;
      for (let k = 0; k < curAvro.length; k++) buf[pos++] = curAvro[k];
    }
    hash[h++] = dateBits[2 * slot];
    hash[h++] = dateBits[2 * slot + 1];
    for (let k = 0; k < typeWords.length; k++) hash[h++] = typeWords[k];

    // payoff, then the states the type reports (the others null): each double written
    // little-endian (as Buffer.writeDoubleLE), its bits hashed as two 32-bit halves (as Hash64.number)
    view.setFloat64(pos, e.payoff, true);
    hashView.setFloat64(4 * h, e.payoff, true);
    pos += 8;
    h += 2;
    for (let q = 1; q < 4; q++) {
      if (q === 1 ? !nt : q === 2 ? !ir : !ac) {
        buf[pos++] = 0;
        hash[h++] = NULL_BITS;
        continue;
      }
      const x = q === 1 ? e.notionalPrincipal : q === 2 ? e.nominalInterestRate : e.accruedInterest;
      buf[pos++] = 2;
      view.setFloat64(pos, x, true);
      hashView.setFloat64(4 * h, x, true);
      pos += 8;
      h += 2;
    }

    // exercise date and amount: only once exercised, and only where the type reports them
    const exercised = Number.isFinite(e.exerciseDate);
    if (xd && exercised) {
      slot = dateSlot(e.exerciseDate);
      if (slot < 0) return undefined;
      buf[pos++] = 2;
      len = dateLength[slot];
      for (let w = slot * (DATE_STRIDE / 4), end = w + ((len + 3) >> 2), at = pos; w < end; w++, at += 4) view.setInt32(at, dateWords[w], true);
      pos += len;
      hash[h++] = dateBits[2 * slot];
      hash[h++] = dateBits[2 * slot + 1];
    } else {
      buf[pos++] = 0;
      hash[h++] = NULL_BITS;
    }
    if (xa && exercised) {
      buf[pos++] = 2;
      view.setFloat64(pos, e.exerciseAmount, true);
      hashView.setFloat64(4 * h, e.exerciseAmount, true);
      pos += 8;
      h += 2;
    } else {
      buf[pos++] = 0;
      hash[h++] = NULL_BITS;
    }
  }
  if (pos + 1 > out.length) growOut(pos, 1);
  out[pos++] = 0;
  encodedLength = pos;

  return hashWords(words, h);
}
