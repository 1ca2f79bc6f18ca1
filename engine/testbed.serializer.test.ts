// The one writer of test bed event JSON (eventsJsonText, caseResultText, testBedResultText)
// writes exactly what JSON.stringify writes for the EventJson objects built plainly below (the
// specification: eventsToJson itself parses the writer's text): on generated events (any
// doubles, NaN, ±Infinity, -0, any strings, absent states, exercise dates set or not), on error
// messages with characters that need escaping, and on every case of every visible test bed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReportedState } from './contract-type.js';
import { ContractEvent, DEFAULT_EVENT_ORDER, type EventType } from './events.js';
import { JsonBytes } from './json-bytes.js';
import {
  caseResultText,
  computeCase,
  errorJsonText,
  eventsJsonText,
  eventsToJson,
  testBedResultText,
  writeEventsJson,
  type EventJson,
  type TestBedCase,
} from './testbed.js';
import { formatDateTime, MS_PER_DAY } from './time/date.js';

/** The test bed's JSON form of computed events, built plainly (states the type lacks are left out). */
function plainEventsJson(events: readonly ContractEvent[], reported: readonly ReportedState[]): EventJson[] {
  const nt = reported.includes('notionalPrincipal'), ir = reported.includes('nominalInterestRate'), ac = reported.includes('accruedInterest');
  const xd = reported.includes('exerciseDate'), xa = reported.includes('exerciseAmount');
  return events.map((e) => {
    const o: EventJson = { eventDate: formatDateTime(e.time), eventType: e.type, payoff: e.payoff, currency: e.currency };
    if (nt) o.notionalPrincipal = e.notionalPrincipal;
    if (ir) o.nominalInterestRate = e.nominalInterestRate;
    if (ac) o.accruedInterest = e.accruedInterest;
    if (xd && Number.isFinite(e.exerciseDate)) o.exerciseDate = formatDateTime(e.exerciseDate);
    if (xa) o.exerciseAmount = e.exerciseAmount;
    return o;
  });
}
function plainCase(c: TestBedCase) {
  const r = computeCase(c);
  return 'error' in r ? { error: r.error } : plainEventsJson(r.events, r.reported);
}
function plainBed(bed: Record<string, TestBedCase>) {
  const out: Record<string, unknown> = {};
  for (const id of Object.keys(bed)) out[id] = plainCase(bed[id]);
  return out;
}

const STATES: ReportedState[] = ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest', 'exerciseDate', 'exerciseAmount'];
const TYPES = Object.keys(DEFAULT_EVENT_ORDER) as EventType[];
/** Any UTF-16 code unit: quotes, backslashes, control characters, lone surrogates. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 });
/** Instants from year -2000 to 10000 (4-digit years and beyond), a few repeated (cached dates). */
const instant = fc.oneof(
  fc.constantFrom(0, 1_421_280_000_000, 1_421_280_000_000 + 86_399_000),
  fc.tuple(fc.integer({ min: -1_450_000, max: 2_932_896 }), fc.integer({ min: 0, max: 86_399_999 })).map(([d, ms]) => d * MS_PER_DAY + ms),
);
const number = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.05, 1e21, 5e-324, 100_000), fc.integer());

const event = fc.record({
  time: instant,
  type: fc.oneof(fc.constantFrom(...TYPES), anyText),
  payoff: number,
  currency: fc.oneof(fc.constantFrom('USD', 'EUR'), anyText, fc.constant(undefined)),
  notionalPrincipal: number,
  nominalInterestRate: number,
  accruedInterest: number,
  exerciseDate: fc.option(fc.oneof(instant, fc.constantFrom(NaN, Infinity)), { nil: undefined }),
  exerciseAmount: fc.option(number, { nil: undefined }),
});

type GeneratedEvent = typeof event extends fc.Arbitrary<infer T> ? T : never;

function contractEvent(e: GeneratedEvent): ContractEvent {
  const ce = new ContractEvent(e.time, e.type as EventType, e.time, e.time, 0, e.currency as string);
  ce.payoff = e.payoff;
  ce.notionalPrincipal = e.notionalPrincipal;
  ce.nominalInterestRate = e.nominalInterestRate;
  ce.accruedInterest = e.accruedInterest;
  // own properties only once exercised, as the engine sets them
  if (e.exerciseDate !== undefined) ce.exerciseDate = e.exerciseDate;
  if (e.exerciseAmount !== undefined) ce.exerciseAmount = e.exerciseAmount;
  return ce;
}

describe('the fused test bed serializer', () => {
  it('writes JSON.stringify of the plain objects for any events and reported states', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.shuffledSubarray(STATES), (raw, reported) => {
        const events = raw.map(contractEvent);
        const expected = JSON.stringify(plainEventsJson(events, reported));
        expect(eventsJsonText(events, reported)).toBe(expected);
        expect(JSON.stringify(eventsToJson(events, reported))).toBe(expected);
        // and into a shared writer after other text, as the job results are written
        const w = new JsonBytes(4);
        w.string('x');
        writeEventsJson(w, events, reported);
        expect(w.toString()).toBe(JSON.stringify('x') + expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes {error} with any message, escapes included', () => {
    fc.assert(
      fc.property(anyText, (message) => {
        expect(errorJsonText(message)).toBe(JSON.stringify({ error: message }));
      }),
      { numRuns: 2000 },
    );
    expect(errorJsonText('bad "terms"\n\\ \u0000 \ud800')).toBe(JSON.stringify({ error: 'bad "terms"\n\\ \u0000 \ud800' }));
  });

  const dir = join(import.meta.dirname, '..', '..', 'shared', 'actus', 'tests');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^actus-tests-.*\.json$/.test(f)).sort() : [];
  it.skipIf(files.length === 0)('writes what JSON.stringify writes for every case of every visible test bed', () => {
    for (const f of files) {
      const bed = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, TestBedCase>;
      for (const [id, c] of Object.entries(bed)) expect(caseResultText(c), `${f} ${id}`).toBe(JSON.stringify(plainCase(c)));
      expect(testBedResultText(bed), f).toBe(JSON.stringify(plainBed(bed)));
    }
  });

  it('writes the errors of cases that cannot be computed like JSON.stringify', () => {
    const terms = {
      contractType: 'PAM', contractID: 'c', contractRole: 'RPA', currency: 'US"D', statusDate: '2015-01-01T00:00:00',
      initialExchangeDate: '2015-01-15T00:00:00', maturityDate: '2016-01-15T00:00:00', notionalPrincipal: '1000',
      nominalInterestRate: '0.05', dayCountConvention: 'A365',
    };
    const bed: Record<string, TestBedCase> = {
      ok: { terms },
      unicode: { terms: { ...terms, currency: 'é€😀\u2028' } },
      type: { terms: { ...terms, contractType: 'NO"PE\n' } },
      rate: { terms: { ...terms, nominalInterestRate: 'x\\y' } },
      to: { terms, to: '2015-13-01"' },
      early: { terms, to: '2015-06-01T00:00:00' },
      none: {} as TestBedCase,
      '"quoted\\id\u0001': { terms },
      '2': { terms },
    };
    for (const [id, c] of Object.entries(bed)) expect(caseResultText(c), id).toBe(JSON.stringify(plainCase(c)));
    expect(testBedResultText(bed)).toBe(JSON.stringify(plainBed(bed)));
    expect(JSON.parse(caseResultText(bed.type))).toHaveProperty('error');
  });
});
