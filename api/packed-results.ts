// A job chunk's results as the job-worker stores them in Redis: the engine's events in columns,
// not JSON. Completing a job writes no JSON at all; `GET /v1/jobs/:id/result` renders each chunk
// when it is fetched, through the one serializer of test bed results (engine/testbed.ts
// writeEventJson), so the text is byte for byte what `cashflow actus` prints for the same cases
// (api/packed-results.test.ts).
//
// Layout, version 1 (little-endian, the typed arrays' order on every platform we run; each
// section starts 8-byte aligned, offsets follow from the counts in the header):
//
//   header   12 × u32  "CFR1", cases, events, and the lengths of the five state columns
//                      (notional, rate, accrued, exerciseDate, exerciseAmount), symbol index
//                      width (1, 2 or 4 bytes), strings byte length, 2 reserved
//   caseEvents  i32[cases]   events of the case; < 0: the case failed with errors[-1 - n]
//   caseMask    u8[cases]    the states the case's type reports (engine/testbed.ts REPORTED_BIT)
//   time        f64[events]  event instants (ms)
//   payoff      f64[events]
//   notional, rate, accrued, exerciseDate, exerciseAmount
//               f64[n…]      only for the events of cases whose mask has the state, in order
//                            (exerciseDate NaN = not exercised)
//   type, currency  u8|u16|u32[events]  indexes into symbols
//   strings     UTF-8 JSON [[case ids…], [errors…], [symbols…]] (a symbol null = absent)
//
// Doubles are stored as the engine computed them (NaN, ±Infinity and -0 included) and written
// as JSON writes them at render time. api/job-store.ts deflates the packed chunk (level 1).
// Measured per 1,000 contracts (CPU ms, min of 20):
//                 packed        deflated     pack   deflate   old: JSON + deflate
//   PAM (43k ev)  1.82 MB       75 KB        4.7    2.7-4.0   ~40 + 8.7 ms, 264 KB
//   ANN (83k ev)  3.50 MB       1.29 MB      7.8    34        ~110 + 61 ms, 2.09 MB
// Stored raw, a 160,000-contract PAM job would hold 290 MB of Redis for a day; xor-delta or
// byte-shuffled columns before deflate, or Huffman only, were slower or larger.
import { JsonBytes, utf8 } from '../engine/json-bytes.js';
import type { ComputedCase } from '../engine/testbed.js';
import { reportedMask, writeErrorJson, writeEventJson } from '../engine/testbed.js';
import { formatDateTime } from '../engine/time/date.js';
import { csvField } from './csv.js';

const MAGIC = 0x31524643; // "CFR1" read as a little-endian u32
const HEADER_U32 = 12;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new Error('packed job results assume a little-endian platform');

const align8 = (n: number) => (n + 7) & ~7;

interface Sizes {
  cases: number;
  events: number;
  states: number[];
  width: 1 | 2 | 4;
  stringsBytes: number;
}

/** Section offsets for the counts (shared by pack and unpack, so they agree by construction). */
function layout(s: Sizes) {
  let at = HEADER_U32 * 4;
  const caseEvents = at;
  at = align8(at + 4 * s.cases);
  const caseMask = at;
  at = align8(at + s.cases);
  const time = at;
  at += 8 * s.events;
  const payoff = at;
  at += 8 * s.events;
  const states: number[] = [];
  for (const n of s.states) {
    states.push(at);
    at += 8 * n;
  }
  const type = at;
  at = align8(at + s.width * s.events);
  const currency = at;
  at = align8(at + s.width * s.events);
  const strings = at;
  return {
    caseEvents,
    caseMask,
    time,
    payoff,
    states,
    type,
    currency,
    strings,
    end: strings + s.stringsBytes,
  };
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

/**
 * Packs a chunk's cases one at a time, as they are computed: each case's events are copied into
 * columns at once, so they die young instead of piling up until the chunk is done (holding a
 * chunk's 43,000 events made every scavenge copy them: 16-18 ms of GC per chunk of 1,000).
 * finish() empties the packer for the next chunk but keeps its columns: a worker packing chunk
 * after chunk allocates (and zero-fills) them once, not ~3 MB of growing arrays per chunk.
 */
export class ResultsPacker {
  private ids: string[] = [];
  private errors: string[] = [];
  private symbols: (string | null)[] = [];
  private readonly symbolIndex = new Map<string | undefined, number>();
  private caseEvents: number[] = [];
  private caseMasks: number[] = [];
  private readonly time = new F64Column();
  private readonly payoff = new F64Column();
  /** notional, rate, accrued, exerciseDate, exerciseAmount */
  private readonly states = [
    new F64Column(),
    new F64Column(),
    new F64Column(),
    new F64Column(),
    new F64Column(),
  ];
  private type = new Uint32Array(4096);
  private currency = new Uint32Array(4096);
  private lastCurrency: string | undefined = undefined;
  private lastCurrencyIndex = -1;

  private symbol(s: string | undefined): number {
    let i = this.symbolIndex.get(s);
    if (i === undefined) {
      i = this.symbols.length;
      this.symbols.push(s === undefined ? null : s);
      this.symbolIndex.set(s, i);
    }
    return i;
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
    const at = this.time.length;
    if (at + n > this.type.length) {
      const grow = (a: Uint32Array) => {
        const next = new Uint32Array(Math.max(a.length * 2, at + n));
        next.set(a.subarray(0, at));
        return next;
      };
      this.type = grow(this.type);
      this.currency = grow(this.currency);
    }
    const time = this.time.reserve(n);
    const payoff = this.payoff.reserve(n);
    const [s0, s1, s2, s3, s4] = this.states;
    const notional = mask & 1 ? s0.reserve(n) : s0.data;
    const rate = mask & 2 ? s1.reserve(n) : s1.data;
    const accrued = mask & 4 ? s2.reserve(n) : s2.data;
    const exerciseDate = mask & 8 ? s3.reserve(n) : s3.data;
    const exerciseAmount = mask & 16 ? s4.reserve(n) : s4.data;
    const type = this.type;
    const currency = this.currency;
    let k0 = s0.length,
      k1 = s1.length,
      k2 = s2.length,
      k3 = s3.length,
      k4 = s4.length;
    let lastType: string | undefined = undefined;
    let lastTypeIndex = -1;
    for (let i = 0; i < n; i++) {
      const ev = events[i];
      const e = at + i;
      time[e] = ev.time;
      payoff[e] = ev.payoff;
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
      if (mask & 1) notional[k0++] = ev.notionalPrincipal;
      if (mask & 2) rate[k1++] = ev.nominalInterestRate;
      if (mask & 4) accrued[k2++] = ev.accruedInterest;
      if (mask & 8) exerciseDate[k3++] = ev.exerciseDate;
      if (mask & 16) exerciseAmount[k4++] = ev.exerciseAmount;
    }
    this.time.length = this.payoff.length = at + n;
    s0.length = k0;
    s1.length = k1;
    s2.length = k2;
    s3.length = k3;
    s4.length = k4;
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
    this.time.length = this.payoff.length = 0;
    for (const c of this.states) c.length = 0;
    this.lastCurrency = undefined;
    this.lastCurrencyIndex = -1;
  }

  private packed(): Uint8Array {
    const cases = this.ids.length;
    const events = this.time.length;
    const states = this.states.map((c) => c.length);
    const symbols = this.symbols;
    const width: 1 | 2 | 4 = symbols.length <= 0x100 ? 1 : symbols.length <= 0x10000 ? 2 : 4;
    const strings = utf8(JSON.stringify([this.ids, this.errors, symbols]));
    const at = layout({ cases, events, states, width, stringsBytes: strings.length });
    const buffer = new ArrayBuffer(at.end);
    new Uint32Array(buffer, 0, HEADER_U32).set([
      MAGIC,
      cases,
      events,
      ...states,
      width,
      strings.length,
      0,
      0,
    ]);
    new Int32Array(buffer, at.caseEvents, cases).set(this.caseEvents);
    new Uint8Array(buffer, at.caseMask, cases).set(this.caseMasks);
    new Float64Array(buffer, at.time, events).set(this.time.view());
    new Float64Array(buffer, at.payoff, events).set(this.payoff.view());
    this.states.forEach((c, b) => new Float64Array(buffer, at.states[b], c.length).set(c.view()));
    indexArray(width, buffer, at.type, events).set(this.type.subarray(0, events));
    indexArray(width, buffer, at.currency, events).set(this.currency.subarray(0, events));
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
  return (
    bytes.length >= HEADER_U32 * 4 &&
    new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) === MAGIC
  );
}

export function unpackResults(stored: Uint8Array): PackedResults {
  // typed views need 8-byte alignment: a Buffer from Redis may sit anywhere in its pool
  const bytes = stored.byteOffset % 8 === 0 ? stored : new Uint8Array(stored);
  if (!isPacked(bytes)) throw new Error('not packed job results (no CFR1 header)');
  const buffer = bytes.buffer as ArrayBuffer;
  const base = bytes.byteOffset;
  const h = new Uint32Array(buffer, base, HEADER_U32);
  const sizes: Sizes = {
    cases: h[1],
    events: h[2],
    states: [h[3], h[4], h[5], h[6], h[7]],
    width: h[8] as 1 | 2 | 4,
    stringsBytes: h[9],
  };
  const at = layout(sizes);
  if (at.end > bytes.length)
    throw new Error(`packed job results truncated: ${bytes.length} of ${at.end} bytes`);
  const [ids, errors, symbols] = JSON.parse(
    new TextDecoder().decode(new Uint8Array(buffer, base + at.strings, sizes.stringsBytes)),
  ) as [string[], string[], (string | null)[]];
  const f64 = (o: number, n: number) => new Float64Array(buffer, base + o, n);
  return {
    ids,
    errors,
    symbols: symbols.map((s) => (s === null ? undefined : s)),
    caseEvents: new Int32Array(buffer, base + at.caseEvents, sizes.cases),
    caseMask: new Uint8Array(buffer, base + at.caseMask, sizes.cases),
    time: f64(at.time, sizes.events),
    payoff: f64(at.payoff, sizes.events),
    notional: f64(at.states[0], sizes.states[0]),
    rate: f64(at.states[1], sizes.states[1]),
    accrued: f64(at.states[2], sizes.states[2]),
    exerciseDate: f64(at.states[3], sizes.states[3]),
    exerciseAmount: f64(at.states[4], sizes.states[4]),
    type: indexArray(sizes.width, buffer, base + at.type, sizes.events),
    currency: indexArray(sizes.width, buffer, base + at.currency, sizes.events),
  };
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
