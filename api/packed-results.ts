// A job chunk's results as the job-worker stores them in Redis: the engine's events in columns,
// not JSON. Completing a job writes no JSON at all; `GET /v1/jobs/:id/result` renders each chunk
// when it is fetched, through the one serializer of test bed results (engine/testbed.ts
// writeEventJson), so the text is byte for byte what `cashflow actus` prints for the same cases
// (api/packed-results.test.ts).
//
// Layout, version 2 (little-endian, the typed arrays' order on every platform we run; each
// section starts 8-byte aligned, offsets follow from the counts in the header):
//
//   header      8 × u32  "CFR2", cases, events, values, symbol index width (1, 2 or 4 bytes),
//                        strings byte length, dates, flags (1: time in ms, 2: exercise codes)
//   caseEvents  i32[cases]   events of the case; < 0: the case failed with errors[-1 - n]
//   caseMask    u8[cases]    the states the case's type reports (engine/testbed.ts REPORTED_BIT)
//   time        u8[events]   days since the event before (0-254; 255: the next of `dates`) when
//                            every instant of the chunk is a whole day, else f64[events] (ms)
//   dates       i32[dates]   days since 1970
//   codes       u8[events]   2 bits for each of payoff, notional, rate, accrued (bits 0-1, 2-3,
//                            …; 0 for a state the case lacks): 0, 1, 2: the column's value seen
//                            last, second or third last (most recent first, a value used moves
//                            to the front; all 0 at the start); 3: the next of `values`
//   exerciseCodes  u8[events]  the same for exerciseDate (NaN: not exercised), exerciseAmount;
//                            only if flag 2 (a case of the chunk reports them), else all 0
//   type, currency  u8|u16|u32[events]  indexes into symbols
//   valuesHigh  u16[values]  the values as f64, in event order, then column order: bytes 6-7
//   strings     UTF-8 JSON [[case ids…], [errors…], [symbols…]] (a symbol null = absent)
//   valuesMid   u16[values]  bytes 4-5
//   valuesLow   u32[values]  bytes 0-3
//
// Most of a schedule's values repeat (a PAM's notional and rate at every event, its accrued 0,
// three interest payoffs in turn over the quarters; ANN's accrued 0 every other event), so of
// the 4 doubles of an event (payoff and 3 states) PAM stores 0.16, ANN 2. deflatePacked deflates
// the chunk up to valuesMid at level 1 (day steps, codes, indexes and the doubles' sign, exponent
// and top of the mantissa repeat; as u16 with a zero byte, day steps and codes made deflate 2.5-5
// times slower) and stores the rest as it is (deflate's stored blocks: the low bytes of doubles
// hardly compress). It stays one raw deflate stream: a stored chunk of any version is read by
// inflating it whole.
//
// Version 1 (still read: stored results live a day across a deploy): header 12 × u32 "CFR1",
// cases, events, the lengths of the five state columns, width, strings length, 0, 0; then
// caseEvents, caseMask, time f64, payoff f64, notional … exerciseAmount f64 (only for the
// events of cases whose mask has the state), type, currency, strings; deflated whole.
//
// Doubles are stored as the engine computed them (NaN, ±Infinity and -0 included) and written
// as JSON writes them at render time. Measured per 1,000 contracts of the benchmark book (CPU
// ms, min / median of 30 runs interleaved with CFR1's code; bench/packed-results.ts):
//                 pack         deflate      pack+deflate  stored    read (inflate, unpack, JSON)
//   PAM (43k ev)  0.78 / 0.83  0.17 / 0.21  0.96 / 1.04     49 KB   8.8 / 9.4
//     CFR1        0.65 / 0.73  1.31 / 1.43  2.01 / 2.15     75 KB   8.9 / 9.2
//   ANN (83k ev)  3.02 / 3.69  0.76 / 0.84  3.84 / 4.57   1008 KB    41 / 47
//     CFR1        2.52 / 2.97  21.2 / 21.7  23.9 / 24.7   1292 KB    41 / 48
//   LAM (83k ev)  2.82 / 3.02  0.62 / 0.68  3.45 / 3.78    775 KB    23 / 26
//     CFR1        2.28 / 2.56  9.93 / 10.2  12.4 / 12.7    666 KB    25 / 26
// A 160,000-contract job's results hold for a day: PAM 7.8 MB of Redis (CFR1 12), ANN 161 MB
// (207), LAM 124 MB (107). The whole job-worker (bench/job-worker.ts, 40,000 PAM): 8.76 / 9.61
// -> 7.65 / 8.25 ms per 1,000. Deflating whole doubles (CFR1: ANN's 1.29 MB of 3.5 MB at ~16 ns a byte), xor-delta or
// byte-shuffled columns before deflate, or Huffman only, were slower or larger.
import { constants, deflateRawSync } from 'node:zlib';
import { JsonBytes, utf8 } from '../engine/json-bytes.js';
import type { ComputedCase } from '../engine/testbed.js';
import { reportedMask, writeErrorJson, writeEventJson } from '../engine/testbed.js';
import { formatDateTime, MS_PER_DAY } from '../engine/time/date.js';
import { csvField } from './csv.js';

const CFR1 = 0x31524643; // "CFR1" read as a little-endian u32
const CFR2 = 0x32524643;
const CFR1_HEADER_U32 = 12;
const CFR2_HEADER_U32 = 8;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new Error('packed job results assume a little-endian platform');

const align8 = (n: number) => (n + 7) & ~7;

/** Where each section starts (of the byte lengths given, in order, each 8-byte aligned), and the end of the last. */
function layout<K extends string>(lengths: Record<K, number>): Record<K | 'end', number> {
  const at = { end: 0 } as Record<K | 'end', number>;
  let next = 0;
  for (const [section, n] of Object.entries(lengths) as [K, number][]) {
    at[section] = next;
    at.end = next + n;
    next = align8(at.end);
  }
  return at;
}

/** CFR2's header (8 × u32, the layout above), read. */
interface Cfr2Sizes {
  cases: number;
  events: number;
  values: number;
  width: 1 | 2 | 4;
  stringsBytes: number;
  dates: number;
  timeInMs: boolean;
  exerciseCodes: boolean;
}

function cfr2Header(s: Cfr2Sizes): number[] {
  const flags = (s.timeInMs ? 1 : 0) | (s.exerciseCodes ? 2 : 0);
  return [CFR2, s.cases, s.events, s.values, s.width, s.stringsBytes, s.dates, flags];
}

function cfr2Sizes(h: Uint32Array): Cfr2Sizes {
  const [, cases, events, values, width, stringsBytes, dates, flags] = h;
  const timeInMs = (flags & 1) !== 0;
  const exerciseCodes = (flags & 2) !== 0;
  return { cases, events, values, width: width as 1 | 2 | 4, stringsBytes, dates, timeInMs, exerciseCodes };
}

/** CFR2's sections (shared by pack, unpack and deflatePacked, so they agree by construction). */
function cfr2Layout(s: Cfr2Sizes) {
  return layout({
    header: 4 * CFR2_HEADER_U32,
    caseEvents: 4 * s.cases,
    caseMask: s.cases,
    time: (s.timeInMs ? 8 : 1) * s.events,
    dates: 4 * s.dates,
    codes: s.events,
    exerciseCodes: s.exerciseCodes ? s.events : 0,
    type: s.width * s.events,
    currency: s.width * s.events,
    valuesHigh: 2 * s.values,
    strings: s.stringsBytes,
    valuesMid: 2 * s.values,
    valuesLow: 4 * s.values,
  });
}

/** CFR1's sections, from its header (12 × u32). */
function cfr1Layout(h: Uint32Array) {
  const [, cases, events, notional, rate, accrued, exerciseDate, exerciseAmount, width, stringsBytes] = h;
  return layout({
    header: 4 * CFR1_HEADER_U32,
    caseEvents: 4 * cases,
    caseMask: cases,
    time: 8 * events,
    payoff: 8 * events,
    notional: 8 * notional,
    rate: 8 * rate,
    accrued: 8 * accrued,
    exerciseDate: 8 * exerciseDate,
    exerciseAmount: 8 * exerciseAmount,
    type: width * events,
    currency: width * events,
    strings: stringsBytes,
  });
}

function indexArray(width: 1 | 2 | 4, buffer: ArrayBuffer, offset: number, n: number) {
  return width === 1
    ? new Uint8Array(buffer, offset, n)
    : width === 2
      ? new Uint16Array(buffer, offset, n)
      : new Uint32Array(buffer, offset, n);
}

/** A Float64Array that grows (the packer's columns). */
class F64Column {
  data = new Float64Array(4096);
  length = 0;
  reserve(n: number): Float64Array {
    if (this.length + n > this.data.length) {
      const next = new Float64Array(Math.max(this.data.length * 2, this.length + n));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    return this.data;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** The same double: -0 is not 0, NaN is NaN (all NaNs render alike: null); as fast as === (measured). */
const same = Object.is;

/** A column's three values seen last, most recent first: what its 2-bit codes refer to (layout above). */
class RecentValues {
  private a = 0;
  private b = 0;
  private c = 0;

  /** The code of x (3: new, the caller stores it); x is the most recent afterwards. */
  code(x: number): number {
    const a = this.a;
    if (same(x, a)) return 0;
    const b = this.b;
    this.a = x;
    this.b = a;
    if (same(x, b)) return 1;
    const c = this.c;
    this.c = b;
    return same(x, c) ? 2 : 3;
  }

  /** The value a code stands for (3: the next stored value), the most recent afterwards. */
  value(code: number, stored: StoredValues): number {
    if (code === 0) return this.a;
    const x = code === 1 ? this.b : code === 2 ? this.c : stored.next();
    if (code !== 1) this.c = this.b;
    this.b = this.a;
    this.a = x;
    return x;
  }
}

/** The doubles the codes do not name (code 3), read in order. */
class StoredValues {
  private at = 0;
  constructor(private readonly values: Float64Array) {}
  next(): number {
    return this.values[this.at++];
  }
}

/** The coded columns, in code bit order: payoff, then the states in REPORTED_BIT order. */
const CODED_COLUMNS = 6;

/**
 * The instants as steps of days (the time section above) and the dates steps do not reach;
 * undefined unless every instant is a whole day (an i32 of days, exactly: not -0).
 */
function daySteps(time: Float64Array, steps: Uint8Array): number[] | undefined {
  const dates: number[] = [];
  // as locals: read from the imported binding in the loop, ~0.04 ms more per 1,000 PAM (measured)
  const msPerDay = MS_PER_DAY;
  const daysPerMs = 1 / MS_PER_DAY;
  let day = 0;
  for (let i = 0; i < time.length; i++) {
    const t = time[i];
    const d = Math.round(t * daysPerMs);
    if ((d | 0) !== d || d * msPerDay !== t || same(t, -0)) return undefined;
    const step = d - day;
    if (step >= 0 && step < 255) steps[i] = step;
    else {
      steps[i] = 255;
      dates.push(d);
    }
    day = d;
  }
  return dates;
}

/**
 * Packs a chunk's cases one at a time, as they are computed: each case's events are copied into
 * columns at once, so they die young instead of piling up until the chunk is done (holding a
 * chunk's 43,000 events made every scavenge copy them: 16-18 ms of GC per chunk of 1,000).
 * finish() empties the packer for the next chunk but keeps its columns: a worker packing chunk
 * after chunk allocates (and zero-fills) them once, not growing arrays per chunk.
 */
export class ResultsPacker {
  private ids: string[] = [];
  private errors: string[] = [];
  private symbols: (string | null)[] = [];
  private readonly symbolIndex = new Map<string | undefined, number>();
  private caseEvents: number[] = [];
  private caseMasks: number[] = [];
  private readonly time = new F64Column();
  /** The doubles the codes do not name (code 3), in event order, then column order. */
  private readonly values = new F64Column();
  private recent: RecentValues[] = [];
  private events = 0;
  private codes = new Uint16Array(4096);
  private type = new Uint32Array(4096);
  private currency = new Uint32Array(4096);
  /** Whether a case of the chunk reports exerciseDate or exerciseAmount. */
  private exercise = false;
  private lastCurrency: string | undefined = undefined;
  private lastCurrencyIndex = -1;

  constructor() {
    this.clear();
  }

  private symbol(s: string | undefined): number {
    let i = this.symbolIndex.get(s);
    if (i === undefined) {
      i = this.symbols.length;
      this.symbols.push(s === undefined ? null : s);
      this.symbolIndex.set(s, i);
    }
    return i;
  }

  /** x's 2-bit code in its column; a new value is stored (room reserved by add). */
  private code(column: RecentValues, x: number): number {
    const code = column.code(x);
    if (code === 3) this.values.data[this.values.length++] = x;
    return code;
  }

  add(id: string, r: ComputedCase): void {
    this.ids.push(id);
    if ('error' in r) {
      this.caseEvents.push(-1 - this.errors.length);
      this.caseMasks.push(0);
      this.errors.push(r.error);
      return;
    }
    const events = r.events;
    const n = events.length;
    const mask = reportedMask(r.reported);
    this.caseEvents.push(n);
    this.caseMasks.push(mask);
    if (mask & 24) this.exercise = true; // exerciseDate, exerciseAmount
    const at = this.events;
    if (at + n > this.type.length) {
      const size = Math.max(this.type.length * 2, at + n);
      const grow = <A extends Uint16Array | Uint32Array>(a: A, next: A): A => {
        next.set(a.subarray(0, at));
        return next;
      };
      this.codes = grow(this.codes, new Uint16Array(size));
      this.type = grow(this.type, new Uint32Array(size));
      this.currency = grow(this.currency, new Uint32Array(size));
    }
    const time = this.time.reserve(n);
    this.values.reserve(CODED_COLUMNS * n);
    const [payoff, notional, rate, accrued, exerciseDate, exerciseAmount] = this.recent;
    const { codes, type, currency } = this;
    let lastType: string | undefined = undefined;
    let lastTypeIndex = -1;
    for (let i = 0; i < n; i++) {
      const ev = events[i];
      const e = at + i;
      time[e] = ev.time;
      // runs of one event type (IP, IP, …) look their symbol up once
      if (ev.type !== lastType || lastTypeIndex < 0) {
        lastType = ev.type;
        lastTypeIndex = this.symbol(lastType);
      }
      type[e] = lastTypeIndex;
      if (ev.currency !== this.lastCurrency || this.lastCurrencyIndex < 0) {
        this.lastCurrency = ev.currency;
        this.lastCurrencyIndex = this.symbol(ev.currency);
      }
      currency[e] = this.lastCurrencyIndex;
      let code = this.code(payoff, ev.payoff);
      if (mask & 1) code |= this.code(notional, ev.notionalPrincipal) << 2;
      if (mask & 2) code |= this.code(rate, ev.nominalInterestRate) << 4;
      if (mask & 4) code |= this.code(accrued, ev.accruedInterest) << 6;
      if (mask & 8) code |= this.code(exerciseDate, ev.exerciseDate) << 8;
      if (mask & 16) code |= this.code(exerciseAmount, ev.exerciseAmount) << 10;
      codes[e] = code;
    }
    this.time.length = this.events = at + n;
  }

  /** The packed chunk (the layout above); the packer is empty again afterwards. */
  finish(): Uint8Array {
    const packed = this.packed();
    this.clear();
    return packed;
  }

  /** Drops the cases added so far (the columns' memory is kept). */
  clear(): void {
    this.ids = [];
    this.errors = [];
    this.symbols = [];
    this.symbolIndex.clear();
    this.caseEvents = [];
    this.caseMasks = [];
    this.time.length = this.values.length = this.events = 0;
    this.exercise = false;
    this.recent = Array.from({ length: CODED_COLUMNS }, () => new RecentValues());
    this.lastCurrency = undefined;
    this.lastCurrencyIndex = -1;
  }

  private packed(): Uint8Array {
    const { events, symbols } = this;
    const values = this.values.length;
    const width: 1 | 2 | 4 = symbols.length <= 0x100 ? 1 : symbols.length <= 0x10000 ? 2 : 4;
    const strings = utf8(JSON.stringify([this.ids, this.errors, symbols]));
    const steps = new Uint8Array(events);
    const dates = daySteps(this.time.view(), steps);
    const sizes: Cfr2Sizes = {
      cases: this.ids.length,
      events,
      values,
      width,
      stringsBytes: strings.length,
      dates: dates?.length ?? 0,
      timeInMs: !dates,
      exerciseCodes: this.exercise,
    };
    const at = cfr2Layout(sizes);
    const buffer = new ArrayBuffer(at.end);
    new Uint32Array(buffer, 0, CFR2_HEADER_U32).set(cfr2Header(sizes));
    new Int32Array(buffer, at.caseEvents, sizes.cases).set(this.caseEvents);
    new Uint8Array(buffer, at.caseMask, sizes.cases).set(this.caseMasks);
    if (dates) {
      new Uint8Array(buffer, at.time, events).set(steps);
      new Int32Array(buffer, at.dates, dates.length).set(dates);
    } else new Float64Array(buffer, at.time, events).set(this.time.view());
    const codes = this.codes.subarray(0, events);
    new Uint8Array(buffer, at.codes, events).set(codes); // the low byte
    if (sizes.exerciseCodes) {
      const exerciseCodes = new Uint8Array(buffer, at.exerciseCodes, events);
      for (let e = 0; e < events; e++) exerciseCodes[e] = codes[e] >> 8;
    }
    indexArray(width, buffer, at.type, events).set(this.type.subarray(0, events));
    indexArray(width, buffer, at.currency, events).set(this.currency.subarray(0, events));
    const v16 = new Uint16Array(this.values.data.buffer, 0, 4 * values);
    const v32 = new Uint32Array(this.values.data.buffer, 0, 2 * values);
    const high = new Uint16Array(buffer, at.valuesHigh, values);
    const mid = new Uint16Array(buffer, at.valuesMid, values);
    const low = new Uint32Array(buffer, at.valuesLow, values);
    for (let i = 0; i < values; i++) {
      high[i] = v16[4 * i + 3];
      mid[i] = v16[4 * i + 2];
      low[i] = v32[2 * i];
    }
    new Uint8Array(buffer, at.strings).set(strings);
    return new Uint8Array(buffer);
  }
}

/** Packs a chunk's computed cases (in the order of `ids`). */
export function packResults(ids: readonly string[], results: readonly ComputedCase[]): Uint8Array {
  const packer = new ResultsPacker();
  for (let i = 0; i < ids.length; i++) packer.add(ids[i], results[i]);
  return packer.finish();
}

/**
 * A packed chunk as stored (api/job-store.ts): one raw deflate stream, its low bytes of doubles
 * in stored blocks (the layout above), inflated whole when read.
 */
export function deflatePacked(packed: Uint8Array): Buffer {
  const header = new Uint32Array(packed.slice(0, 4 * CFR2_HEADER_U32).buffer); // any alignment
  if (header.length < CFR2_HEADER_U32 || header[0] !== CFR2)
    throw new Error('deflatePacked takes a chunk of the packer (CFR2)');
  const stored = cfr2Layout(cfr2Sizes(header)).valuesMid;
  // a sync flush ends the deflated part on a byte boundary, not final: the stored blocks follow
  const head = deflateRawSync(packed.subarray(0, stored), { level: 1, finishFlush: constants.Z_SYNC_FLUSH });
  return Buffer.concat([head, deflateRawSync(packed.subarray(stored), { level: 0 })]);
}

/** A packed chunk, read. */
export interface PackedResults {
  ids: string[];
  errors: string[];
  symbols: (string | undefined)[];
  caseEvents: Int32Array;
  caseMask: Uint8Array;
  time: Float64Array;
  payoff: Float64Array;
  notional: Float64Array;
  rate: Float64Array;
  accrued: Float64Array;
  exerciseDate: Float64Array;
  exerciseAmount: Float64Array;
  type: Uint8Array | Uint16Array | Uint32Array;
  currency: Uint8Array | Uint16Array | Uint32Array;
}

export function isPacked(bytes: Uint8Array): boolean {
  if (bytes.length < 4 * CFR2_HEADER_U32) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return magic === CFR2 || (magic === CFR1 && bytes.length >= 4 * CFR1_HEADER_U32);
}

export function unpackResults(stored: Uint8Array): PackedResults {
  // typed views need 8-byte alignment: a Buffer from Redis may sit anywhere in its pool
  const bytes = stored.byteOffset % 8 === 0 ? stored : new Uint8Array(stored);
  if (!isPacked(bytes)) throw new Error('not packed job results (no CFR2 or CFR1 header)');
  const buffer = bytes.buffer as ArrayBuffer;
  const base = bytes.byteOffset;
  const version = new Uint32Array(buffer, base, 1)[0] === CFR2 ? unpackCfr2 : unpackCfr1;
  return version(buffer, base, bytes.length);
}

/** The parts both versions store alike: cases, strings, symbol indexes. */
function unpackCases(
  buffer: ArrayBuffer,
  base: number,
  length: number,
  s: { cases: number; events: number; width: 1 | 2 | 4; stringsBytes: number },
  at: { caseEvents: number; caseMask: number; type: number; currency: number; strings: number; end: number },
) {
  if (at.end > length) throw new Error(`packed job results truncated: ${length} of ${at.end} bytes`);
  const [ids, errors, symbols] = JSON.parse(
    new TextDecoder().decode(new Uint8Array(buffer, base + at.strings, s.stringsBytes)),
  ) as [string[], string[], (string | null)[]];
  return {
    ids,
    errors,
    symbols: symbols.map((x) => (x === null ? undefined : x)),
    caseEvents: new Int32Array(buffer, base + at.caseEvents, s.cases),
    caseMask: new Uint8Array(buffer, base + at.caseMask, s.cases),
    type: indexArray(s.width, buffer, base + at.type, s.events),
    currency: indexArray(s.width, buffer, base + at.currency, s.events),
  };
}

function unpackCfr1(buffer: ArrayBuffer, base: number, length: number): PackedResults {
  const h = new Uint32Array(buffer, base, CFR1_HEADER_U32);
  const [, cases, events, notional, rate, accrued, exerciseDate, exerciseAmount, width, stringsBytes] = h;
  const at = cfr1Layout(h);
  const read = unpackCases(
    buffer,
    base,
    length,
    { cases, events, width: width as 1 | 2 | 4, stringsBytes },
    at,
  );
  const f64 = (section: number, n: number) => new Float64Array(buffer, base + section, n);
  return {
    ...read,
    time: f64(at.time, events),
    payoff: f64(at.payoff, events),
    notional: f64(at.notional, notional),
    rate: f64(at.rate, rate),
    accrued: f64(at.accrued, accrued),
    exerciseDate: f64(at.exerciseDate, exerciseDate),
    exerciseAmount: f64(at.exerciseAmount, exerciseAmount),
  };
}

function unpackCfr2(buffer: ArrayBuffer, base: number, length: number): PackedResults {
  const s = cfr2Sizes(new Uint32Array(buffer, base, CFR2_HEADER_U32));
  const at = cfr2Layout(s);
  const read = unpackCases(buffer, base, length, s, at);
  const { events, values } = s;
  const time = s.timeInMs
    ? new Float64Array(buffer, base + at.time, events)
    : instants(
        new Uint8Array(buffer, base + at.time, events),
        new Int32Array(buffer, base + at.dates, s.dates),
      );
  const doubles = new Float64Array(values);
  const v16 = new Uint16Array(doubles.buffer);
  const v32 = new Uint32Array(doubles.buffer);
  const high = new Uint16Array(buffer, base + at.valuesHigh, values);
  const mid = new Uint16Array(buffer, base + at.valuesMid, values);
  const low = new Uint32Array(buffer, base + at.valuesLow, values);
  for (let i = 0; i < values; i++) {
    v16[4 * i + 3] = high[i];
    v16[4 * i + 2] = mid[i];
    v32[2 * i] = low[i];
  }
  // payoff, then each state of the case's mask, from the event's codes (layout above); each
  // column spelled out: half the CPU of a loop over the columns (measured)
  const stored = new StoredValues(doubles);
  const codes = new Uint8Array(buffer, base + at.codes, events);
  const exerciseCodes = new Uint8Array(buffer, base + at.exerciseCodes, s.exerciseCodes ? events : 0);
  const [payoff, notional, rate, accrued, exerciseDate, exerciseAmount] = Array.from(
    { length: CODED_COLUMNS },
    () => new Float64Array(events),
  );
  const [rp, rn, rr, ra, rxd, rxa] = Array.from({ length: CODED_COLUMNS }, () => new RecentValues());
  let [p, n, r, a, xd, xa] = [0, 0, 0, 0, 0, 0];
  for (let c = 0, e = 0; c < s.cases; c++) {
    const mask = read.caseMask[c];
    for (const end = e + Math.max(read.caseEvents[c], 0); e < end; e++) {
      const code = codes[e];
      payoff[p++] = rp.value(code & 3, stored);
      if (mask & 1) notional[n++] = rn.value((code >> 2) & 3, stored);
      if (mask & 2) rate[r++] = rr.value((code >> 4) & 3, stored);
      if (mask & 4) accrued[a++] = ra.value(code >> 6, stored);
      if (mask & 8) exerciseDate[xd++] = rxd.value(exerciseCodes[e] & 3, stored);
      if (mask & 16) exerciseAmount[xa++] = rxa.value((exerciseCodes[e] >> 2) & 3, stored);
    }
  }
  return {
    ...read,
    time,
    payoff,
    notional: notional.subarray(0, n),
    rate: rate.subarray(0, r),
    accrued: accrued.subarray(0, a),
    exerciseDate: exerciseDate.subarray(0, xd),
    exerciseAmount: exerciseAmount.subarray(0, xa),
  };
}

/** The instants (ms) of day steps and dates (daySteps). */
function instants(steps: Uint8Array, dates: Int32Array): Float64Array {
  const time = new Float64Array(steps.length);
  for (let e = 0, day = 0, d = 0; e < steps.length; e++) {
    day = steps[e] === 255 ? dates[d++] : day + steps[e];
    time[e] = day * MS_PER_DAY;
  }
  return time;
}

/**
 * Writes the chunk's `"<id>":<result>` members, comma-separated (a leading comma when
 * `continues`): the inside of the object `cashflow actus` prints.
 */
export function writeResultsJson(w: JsonBytes, p: PackedResults, continues: boolean): void {
  const { ids, caseEvents, caseMask, time, payoff, type, currency, symbols } = p;
  const { notional, rate, accrued, exerciseDate, exerciseAmount } = p;
  let e = 0;
  let n0 = 0,
    n1 = 0,
    n2 = 0,
    n3 = 0,
    n4 = 0;
  for (let c = 0; c < ids.length; c++) {
    if (c || continues) w.byte(0x2c); // ,
    w.string(ids[c]);
    w.byte(0x3a); // :
    const n = caseEvents[c];
    if (n < 0) {
      writeErrorJson(w, p.errors[-1 - n]);
      continue;
    }
    const mask = caseMask[c];
    w.byte(0x5b); // [
    for (let i = 0; i < n; i++, e++) {
      if (i) w.byte(0x2c);
      writeEventJson(
        w,
        mask,
        time[e],
        symbols[type[e]],
        payoff[e],
        symbols[currency[e]],
        mask & 1 ? notional[n0++] : 0,
        mask & 2 ? rate[n1++] : 0,
        mask & 4 ? accrued[n2++] : 0,
        mask & 8 ? exerciseDate[n3++] : NaN,
        mask & 16 ? exerciseAmount[n4++] : 0,
      );
    }
    w.byte(0x5d); // ]
  }
}

const csvDates = new Map<number, string>();
function csvDate(t: number): string {
  let s = csvDates.get(t);
  if (s === undefined) {
    if (csvDates.size >= 100_000) csvDates.clear();
    s = formatDateTime(t);
    csvDates.set(t, s);
  }
  return s;
}
/** A state as api/csv.ts csvRows writes it from the JSON: null (NaN, ±Infinity) and absent → empty. */
const csvNumber = (x: number) => (x - x === 0 ? '' + x : '');

/** The chunk's CSV rows: exactly api/csv.ts csvRows of the chunk's JSON (one row per event or failed case). */
export function writeResultsCsv(w: JsonBytes, p: PackedResults): void {
  const { ids, caseEvents, caseMask, time, payoff, type, currency, symbols } = p;
  const { notional, rate, accrued, exerciseDate, exerciseAmount } = p;
  let e = 0;
  let n0 = 0,
    n1 = 0,
    n2 = 0,
    n3 = 0,
    n4 = 0;
  for (let c = 0; c < ids.length; c++) {
    const caseId = csvField(ids[c]);
    const n = caseEvents[c];
    if (n < 0) {
      w.text(`${caseId},,,,,,,,,,${csvField(p.errors[-1 - n])}\r\n`);
      continue;
    }
    const mask = caseMask[c];
    for (let i = 0; i < n; i++, e++) {
      const x = payoff[e];
      const xd = mask & 8 ? exerciseDate[n3++] : NaN;
      w.text(
        `${caseId},${csvDate(time[e])},${csvField(symbols[type[e]])},${x - x === 0 ? '' + x : 'null'},${csvField(symbols[currency[e]])},${
          mask & 1 ? csvNumber(notional[n0++]) : ''
        },${mask & 2 ? csvNumber(rate[n1++]) : ''},${mask & 4 ? csvNumber(accrued[n2++]) : ''},${
          xd - xd === 0 ? csvDate(xd) : ''
        },${mask & 16 ? csvNumber(exerciseAmount[n4++]) : ''},\r\n`,
      );
    }
  }
}
