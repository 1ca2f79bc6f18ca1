// CFR2, the layout of a job chunk's packed results (see below), its sections and the value
// codes that packing (wire/packed-pack.ts) and reading (wire/packed-read.ts) share, so they
// agree by construction. Rendering the read chunk: wire/packed-render.ts.
//
// A job chunk's results as the job-worker stores them in Redis: the engine's events in columns,
// not JSON. Completing a job writes no JSON at all; `GET /v1/jobs/:id/result` renders each chunk
// when it is fetched, through the one serializer of test bed results (engine/testbed.ts
// writeEventJson), so the text is byte for byte what `cashflow actus` prints for the same cases
// (wire/packed-results.test.ts).
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

/** "CFR1" read as a little-endian u32: the layout of 0.3.0, no longer read (a result lives API_JOB_TTL_SECONDS). */
export const CFR1 = 0x31524643;
export const CFR2 = 0x32524643;
export const CFR2_HEADER_U32 = 8;

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
export interface Cfr2Sizes {
  cases: number;
  events: number;
  values: number;
  width: 1 | 2 | 4;
  stringsBytes: number;
  dates: number;
  timeInMs: boolean;
  exerciseCodes: boolean;
}

export function cfr2Header(s: Cfr2Sizes): number[] {
  const flags = (s.timeInMs ? 1 : 0) | (s.exerciseCodes ? 2 : 0);
  return [CFR2, s.cases, s.events, s.values, s.width, s.stringsBytes, s.dates, flags];
}

export function cfr2Sizes(h: Uint32Array): Cfr2Sizes {
  const [, cases, events, values, width, stringsBytes, dates, flags] = h;
  const timeInMs = (flags & 1) !== 0;
  const exerciseCodes = (flags & 2) !== 0;
  return { cases, events, values, width: width as 1 | 2 | 4, stringsBytes, dates, timeInMs, exerciseCodes };
}

/** CFR2's sections (shared by pack, unpack and deflatePacked, so they agree by construction). */
export function cfr2Layout(s: Cfr2Sizes) {
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

export function indexArray(width: 1 | 2 | 4, buffer: ArrayBuffer, offset: number, n: number) {
  return width === 1
    ? new Uint8Array(buffer, offset, n)
    : width === 2
      ? new Uint16Array(buffer, offset, n)
      : new Uint32Array(buffer, offset, n);
}

/** The same double: -0 is not 0, NaN is NaN (all NaNs render alike: null); as fast as === (measured). */
export const same = Object.is;

/** A column's three values seen last, most recent first: what its 2-bit codes refer to (layout above). */
export class RecentValues {
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
export class StoredValues {
  private at = 0;
  constructor(private readonly values: Float64Array) {}
  next(): number {
    return this.values[this.at++];
  }
}

/** The coded columns, in code bit order: payoff, then the states in REPORTED_BIT order. */
export const CODED_COLUMNS = 6;

