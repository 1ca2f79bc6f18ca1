// Packing a job chunk's results into CFR2 (wire/packed-layout.ts) and deflating it for Redis.
import { constants, deflateRawSync } from 'node:zlib';
import { utf8 } from '../engine/index.js';
import type { ComputedCase } from '../engine/index.js';
import { reportedMask } from '../engine/index.js';
import { MS_PER_DAY } from '../engine/index.js';
import { CFR2, CFR2_HEADER_U32, cfr2Header, cfr2Layout, cfr2Sizes, CODED_COLUMNS, indexArray, RecentValues, same, type Cfr2Sizes } from './packed-layout.js';

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
 * A packed chunk as stored (jobs/job-store.ts): one raw deflate stream, its low bytes of doubles
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

