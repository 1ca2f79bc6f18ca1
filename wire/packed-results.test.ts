// Packed job results: packing a chunk's computed cases, storing and rendering them gives exactly
// the text of caseResultJson / `cashflow actus` (and the CSV of that JSON), for every contract
// type of the visible test beds, errors, unicode, wide symbol tables, unaligned buffers and
// generated events (any doubles, instants, states).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReportedState } from '../engine/index.js';
import { ContractEvent, type EventType } from '../engine/index.js';
import { JsonBytes } from '../engine/index.js';
import {
  computeCase,
  computeTestBed,
  errorJsonText,
  eventsJsonText,
  type ComputedCase,
  type TestBedCase,
} from '../engine/index.js';
import { MS_PER_DAY } from '../engine/index.js';
import { caseResultJson, objectBody, type Cases } from '../api/compute.js';
import { csvRows } from './csv.js';
import {
  deflatePacked,
  isPacked,
  packResults,
  ResultsPacker,
  unpackResults,
  writeResultsCsv,
  writeResultsJson,
  type PackedResults,
} from './packed-results.js';
import { pamTerms } from '../test/support/pam-terms.js';

const dir = join(import.meta.dirname, '..', '..', 'shared', 'actus', 'tests');
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /^actus-tests-.*\.json$/.test(f))
      .sort()
  : [];

const terms = pamTerms;

/** A stored chunk inflated and read (at an odd offset, as a Buffer from Redis may be). */
function read(stored: Uint8Array): PackedResults {
  const inflated = inflateRawSync(stored);
  const odd = Buffer.alloc(inflated.length + 3);
  inflated.copy(odd, 3);
  const bytes = odd.subarray(3);
  expect(isPacked(bytes)).toBe(true);
  return unpackResults(bytes);
}

/** Computed cases packed, stored as jobs/job-store.ts stores them, and read. */
const storeAndRead = (ids: readonly string[], results: readonly ComputedCase[]) =>
  read(deflatePacked(packResults(ids, results)));

function roundTrip(cases: Cases) {
  const ids = Object.keys(cases);
  return storeAndRead(
    ids,
    ids.map((id) => computeCase(cases[id])),
  );
}

function json(p: PackedResults, continues = false): string {
  const w = new JsonBytes(16);
  writeResultsJson(w, p, continues);
  return w.toString();
}
function csv(p: PackedResults): string {
  const w = new JsonBytes(16);
  writeResultsCsv(w, p);
  return w.toString();
}
const renderJson = (cases: Cases, continues = false) => json(roundTrip(cases), continues);
const renderCsv = (cases: Cases) => csv(roundTrip(cases));
/** CSV compared as the bytes sent (UTF-8: a lone surrogate becomes U+FFFD on both sides). */
const csvOfJson = (body: string) => Buffer.from(csvRows(JSON.parse(`{${body}}`)), 'utf8').toString('utf8');
const expectedCsv = (cases: Cases) => csvOfJson(expectedJson(cases));
const expectedJson = (cases: Cases) => {
  const ids = Object.keys(cases);
  return objectBody(
    ids,
    ids.map((id) => caseResultJson(cases[id])),
  );
};

const varied: Cases = {
  ok: { terms: terms() },
  '7': { terms: terms({ currency: 'é€😀"\\\u2028\ud800' }) },
  invalid: { terms: terms({ contractType: 'NO"PE\n' }) },
  badRate: { terms: terms({ nominalInterestRate: 'x\\y', notionalPrincipal: '-' }) },
  badTo: { terms: terms(), to: '2015-13-01"' },
  empty: { terms: terms(), to: '2015-01-02T00:00:00' },
  none: {} as TestBedCase,
  'quoted "id" \\ \u0001 😀': {
    terms: terms({ maturityDate: '9999-01-15T00:00:00', cycleOfInterestPayment: 'P100YL0' }),
  },
  ump: {
    terms: terms({ contractType: 'UMP', cycleOfInterestPayment: '', cycleAnchorDateOfInterestPayment: '' }),
  },
};

describe('packed job results', () => {
  it('render to caseResultJson of every case: varied cases, errors, unicode, empty schedules', () => {
    expect(renderJson(varied)).toBe(expectedJson(varied));
    expect(`{${renderJson(varied)}}`).toBe(JSON.stringify(computeTestBed(varied)));
    expect(renderJson(varied, true)).toBe(`,${expectedJson(varied)}`);
    expect(renderCsv(varied)).toBe(expectedCsv(varied));
  });

  it.skipIf(files.length === 0)(
    'render every visible test bed (every contract type, market data, exercises) as cashflow actus prints it',
    () => {
      for (const f of files) {
        const bed = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Cases;
        expect(renderJson(bed), f).toBe(expectedJson(bed));
        expect(renderCsv(bed), f).toBe(expectedCsv(bed));
      }
    },
  );

  it('index symbols in 1, 2 or 4 bytes as the chunk needs', () => {
    // a currency per case: terms hold ISO 4217 codes only (162), so the events of one computed
    // case are copied with currencies C0, C1, ... to need more than 256 and 65,536 symbols
    const one = computeCase({ terms: terms({ maturityDate: '2015-06-15T00:00:00' }) });
    if ('error' in one) throw new Error(one.error);
    for (const n of [300, 70_000]) {
      const ids = Array.from({ length: n }, (_, i) => `c${i}`);
      const results = ids.map((_, i) => ({
        reported: one.reported,
        events: one.events.map((e) => {
          const copy = new ContractEvent(e.time, e.type, e.calcTime, e.scheduleTime, e.rank, `C${i}`);
          [copy.payoff, copy.notionalPrincipal, copy.nominalInterestRate, copy.accruedInterest] = [e.payoff, e.notionalPrincipal, e.nominalInterestRate, e.accruedInterest];
          return copy;
        }),
      }));
      const p = storeAndRead(ids, results);
      expect(p.type.BYTES_PER_ELEMENT).toBe(n > 65_000 ? 4 : 2);
      if (n === 300) expect(json(p)).toBe(objectBody(ids, results.map((r) => eventsJsonText(r.events, r.reported))));
    }
  });

  it('a packer reused after finish() packs each chunk as a fresh one does (the job-worker keeps its packers)', () => {
    const packer = new ResultsPacker();
    const chunks: Cases[] = [varied, { one: { terms: terms() } }, {}];
    for (const f of files.slice(0, 4)) chunks.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Cases);
    for (const cases of [...chunks, ...chunks]) {
      const ids = Object.keys(cases);
      const results = ids.map((id) => computeCase(cases[id]));
      ids.forEach((id, i) => packer.add(id, results[i]));
      expect(Buffer.from(packer.finish())).toEqual(Buffer.from(packResults(ids, results)));
    }
    // cases added, then dropped (a chunk given up midway) leave nothing behind
    packer.add('dropped', computeCase(varied.ok));
    packer.clear();
    packer.add('ok', computeCase(varied.ok));
    expect(Buffer.from(packer.finish())).toEqual(Buffer.from(packResults(['ok'], [computeCase(varied.ok)])));
  });

  it('an empty chunk packs and renders to nothing', () => {
    expect(renderJson({})).toBe('');
    expect(renderCsv({})).toBe('');
  });

  it('refuses bytes that are not packed results', () => {
    expect(isPacked(Buffer.from('"c1":[]'))).toBe(false);
    expect(() => unpackResults(new Uint8Array(64))).toThrow(/CFR2/);
  });

  it('refuses a chunk of 0.3.0 (CFR1) by name: its job has expired', () => {
    const cfr1 = new Uint8Array(64);
    new DataView(cfr1.buffer).setUint32(0, 0x31524643, true);
    expect(isPacked(cfr1)).toBe(true);
    expect(() => unpackResults(cfr1)).toThrow(/CFR1/);
  });

  it('store any events exactly: doubles (NaN, ±Infinity, -0, repeats), instants (whole days or not), states, symbols', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(computedCase, { maxLength: 6 }), (wholeDays, generated) => {
        const results = generated.map((g) => computed(g, wholeDays));
        const ids = results.map((_, i) => `c${i}`);
        const p = storeAndRead(ids, results);
        // every column as the engine holds it (Object.is: -0 is not 0; NaN is NaN)
        const column = (f: (e: ContractEvent) => number, state?: ReportedState) =>
          results.flatMap((r) =>
            'error' in r || (state && !r.reported.includes(state)) ? [] : r.events.map(f),
          );
        expect([...p.time]).toEqual(column((e) => e.time));
        expect([...p.payoff]).toEqual(column((e) => e.payoff));
        expect([...p.notional]).toEqual(column((e) => e.notionalPrincipal, 'notionalPrincipal'));
        expect([...p.rate]).toEqual(column((e) => e.nominalInterestRate, 'nominalInterestRate'));
        expect([...p.accrued]).toEqual(column((e) => e.accruedInterest, 'accruedInterest'));
        expect([...p.exerciseDate]).toEqual(column((e) => e.exerciseDate, 'exerciseDate'));
        expect([...p.exerciseAmount]).toEqual(column((e) => e.exerciseAmount, 'exerciseAmount'));
        const body = objectBody(
          ids,
          results.map((r) => ('error' in r ? errorJsonText(r.error) : eventsJsonText(r.events, r.reported))),
        );
        expect(json(p)).toBe(body);
        expect(csv(p)).toBe(csvOfJson(body));
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- generated chunks: values drawn often from a few (runs and repeats, as schedules have them)
const STATES: ReportedState[] = [
  'notionalPrincipal',
  'nominalInterestRate',
  'accruedInterest',
  'exerciseDate',
  'exerciseAmount',
];
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 6,
});
const number = fc.oneof(
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.05, 100_000, 5e-324),
  fc.constantFrom(1.5, 2.25, 3.125, -7),
  fc.double(),
  fc.integer(),
);
/** Days from year -2000 to 10000, near each other (steps of days, back and forth, 254 and 255 apart) or not. */
const day = fc.oneof(
  fc.constantFrom(16_000, 16_254, 16_255, 16_509, 16_510),
  fc.integer({ min: 16_000, max: 16_600 }),
  fc.integer({ min: -1_450_000, max: 2_932_896 }),
);
/** An instant: day and ms of the day (0 in a chunk of whole days, stored as days), or -0 (the instant -0). */
const instant = fc.tuple(
  day,
  fc.oneof(
    { weight: 30, arbitrary: fc.constant(0) },
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 86_399_999 }) },
    { weight: 1, arbitrary: fc.constant(-0) },
  ),
);
const event = fc.record({
  time: instant,
  type: fc.oneof(fc.constantFrom('IP', 'PR', 'MD'), anyText),
  currency: fc.oneof(fc.constantFrom('USD', 'EUR'), anyText, fc.constant(undefined)),
  values: fc.array(number, { minLength: 4, maxLength: 4 }),
  exerciseDate: fc.option(fc.oneof(instant, fc.constantFrom(NaN, Infinity)), { nil: undefined }),
  exerciseAmount: fc.option(number, { nil: undefined }),
});
const computedCase = fc.oneof(
  { weight: 1, arbitrary: fc.record({ error: anyText }) },
  {
    weight: 5,
    arbitrary: fc.record({
      events: fc.array(event, { maxLength: 12 }),
      reported: fc.shuffledSubarray(STATES),
    }),
  },
);

function computed(
  g: typeof computedCase extends fc.Arbitrary<infer T> ? T : never,
  wholeDays: boolean,
): ComputedCase {
  if ('error' in g) return g;
  const ms = ([d, t]: [number, number]) => (Object.is(t, -0) ? -0 : d * MS_PER_DAY + (wholeDays ? 0 : t));
  const events = g.events.map((e) => {
    const time = ms(e.time);
    const ce = new ContractEvent(time, e.type as EventType, time, time, 0, e.currency as string);
    [ce.payoff, ce.notionalPrincipal, ce.nominalInterestRate, ce.accruedInterest] = e.values;
    // own properties only once exercised, as the engine sets them
    if (e.exerciseDate !== undefined)
      ce.exerciseDate = typeof e.exerciseDate === 'number' ? e.exerciseDate : ms(e.exerciseDate);
    if (e.exerciseAmount !== undefined) ce.exerciseAmount = e.exerciseAmount;
    return ce;
  });
  return { events, reported: g.reported };
}
