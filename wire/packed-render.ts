// A read job chunk (wire/packed-read.ts) rendered: the JSON `cashflow actus` prints, through
// the one writer of test bed event JSON (engine/testbed.ts writeEventJson), and the CSV of
// wire/csv.ts, byte for byte.
import type { JsonBytes } from '../engine/index.js';
import { writeErrorJson, writeEventJson } from '../engine/index.js';
import { formatDateTime } from '../engine/index.js';
import { csvField } from './csv.js';
import type { PackedResults } from './packed-read.js';

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
/** A state as wire/csv.ts csvRows writes it from the JSON: null (NaN, ±Infinity) and absent → empty. */
const csvNumber = (x: number) => (x - x === 0 ? '' + x : '');

/** The chunk's CSV rows: exactly wire/csv.ts csvRows of the chunk's JSON (one row per event or failed case). */
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
