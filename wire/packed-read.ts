// Reading a packed job chunk (CFR2, wire/packed-layout.ts) into its columns.
import { MS_PER_DAY } from '../engine/index.js';
import { CFR1, CFR2, CFR2_HEADER_U32, cfr2Layout, cfr2Sizes, CODED_COLUMNS, indexArray, RecentValues, StoredValues } from './packed-layout.js';

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

/** Whether a stored chunk (inflated) is packed: CFR2, or the CFR1 of 0.3.0 (which unpackResults refuses). */
export function isPacked(bytes: Uint8Array): boolean {
  if (bytes.length < 4 * CFR2_HEADER_U32) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return magic === CFR2 || magic === CFR1;
}

export function unpackResults(stored: Uint8Array): PackedResults {
  // typed views need 8-byte alignment: a Buffer from Redis may sit anywhere in its pool
  const bytes = stored.byteOffset % 8 === 0 ? stored : new Uint8Array(stored);
  if (!isPacked(bytes)) throw new Error('not packed job results (no CFR2 header)');
  const buffer = bytes.buffer as ArrayBuffer;
  const base = bytes.byteOffset;
  // CFR1 was written by 0.3.0's job-worker: its results expired API_JOB_TTL_SECONDS (a day by default) after their job
  if (new Uint32Array(buffer, base, 1)[0] !== CFR2) throw new Error('packed job results of 0.3.0 (CFR1): no longer read, the job has to run again');
  return unpackCfr2(buffer, base, bytes.length);
}

/** The cases, strings and symbol indexes. */
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

