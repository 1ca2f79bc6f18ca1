import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { schedule } from './schedule.js';
import { addCycles, parseCycle } from './cycle.js';
import { instant, formatDateTime, isLastDayOfMonth, toEndOfMonth, MS_PER_DAY } from './date.js';

const fmt = (ts: number[]) => ts.map((t) => formatDateTime(t).slice(0, 10));

describe('schedule', () => {
  it('generates anchor + k·cycle up to and including the end', () => {
    expect(fmt(schedule(instant(2013, 1, 1), parseCycle('P3ML1'), instant(2014, 1, 1), 'SD', true))).toEqual([
      '2013-01-01', '2013-04-01', '2013-07-01', '2013-10-01', '2014-01-01',
    ]);
  });
  it('merges the last incomplete period with a long stub (L0), keeps it with a short one (L1)', () => {
    const a = instant(2013, 1, 9), e = instant(2014, 1, 1);
    expect(fmt(schedule(a, parseCycle('P3ML0'), e, 'SD', true))).toEqual(['2013-01-09', '2013-04-09', '2013-07-09', '2014-01-01']);
    expect(fmt(schedule(a, parseCycle('P3ML1'), e, 'SD', true))).toEqual(['2013-01-09', '2013-04-09', '2013-07-09', '2013-10-09', '2014-01-01']);
  });
  it('applies the end-of-month convention only from a month-end anchor', () => {
    expect(fmt(schedule(instant(2013, 2, 28), parseCycle('P1ML1'), instant(2013, 5, 1), 'EOM', false))).toEqual(['2013-02-28', '2013-03-31', '2013-04-30']);
    expect(fmt(schedule(instant(2013, 2, 28), parseCycle('P1ML1'), instant(2013, 5, 1), 'SD', false))).toEqual(['2013-02-28', '2013-03-28', '2013-04-28']);
  });
  // the spec's stub forms: 1Q+ (long, as L0) and 1Q- (short, as L1) from 9 Jan to 1 Jan
  it("reads the spec's '+' as the long last stub and '-' as the short one", () => {
    const a = instant(2013, 1, 9), e = instant(2014, 1, 1);
    expect(fmt(schedule(a, parseCycle('1Q+'), e, 'SD', true))).toEqual(['2013-01-09', '2013-04-09', '2013-07-09', '2014-01-01']);
    expect(fmt(schedule(a, parseCycle('1Q-'), e, 'SD', true))).toEqual(['2013-01-09', '2013-04-09', '2013-07-09', '2013-10-09', '2014-01-01']);
  });
  // weeks: 2 Jan 2013 (Wednesday) + k·7 days; the end 28 Jan is 5 days after 23 Jan
  it('cycles of weeks and days, with a short or long stub', () => {
    const a = instant(2013, 1, 2), e = instant(2013, 1, 28);
    expect(fmt(schedule(a, parseCycle('1W-'), e, 'SD', true))).toEqual(['2013-01-02', '2013-01-09', '2013-01-16', '2013-01-23', '2013-01-28']);
    expect(fmt(schedule(a, parseCycle('P1WL0'), e, 'SD', true))).toEqual(['2013-01-02', '2013-01-09', '2013-01-16', '2013-01-28']);
    expect(fmt(schedule(a, parseCycle('P9DL1'), e, 'SD', false))).toEqual(['2013-01-02', '2013-01-11', '2013-01-20']);
    expect(fmt(schedule(a, parseCycle('P9DL0'), e, 'SD', false))).toEqual(['2013-01-02', '2013-01-11']);
  });
  // a combined duration: anchor + k·P1M15D = + k months (clamped), then + 15k days; EOM does not
  // apply (not a whole number of months, spec "End Of Month Shift Convention")
  it('a combined duration steps k·months then k·days from the anchor, and the end-of-month convention leaves it alone', () => {
    expect(fmt(schedule(instant(2013, 1, 31), parseCycle('P1M15DL1'), instant(2013, 7, 1), 'EOM', true))).toEqual([
      '2013-01-31', '2013-03-15', '2013-04-30', '2013-06-14', '2013-07-01',
    ]);
    expect(fmt(schedule(instant(2013, 1, 31), parseCycle('P1Y6ML1'), instant(2016, 1, 1), 'SD', false))).toEqual(['2013-01-31', '2014-07-31']);
  });
  it('without a cycle gives the anchor and the end', () => {
    expect(fmt(schedule(instant(2013, 1, 1), undefined, instant(2014, 1, 1), 'SD', true))).toEqual(['2013-01-01', '2014-01-01']);
  });
});

// spec "Schedule" S(s, c, T, B): s = t_1 < ... < t_n = T, the cycle dates s + k·c before T (each
// moved to its month's end under EOM from a month-end anchor, spec "End Of Month Shift
// Convention"), T itself when B; with the long stub ('+', L0) and T off the cycle, the last cycle
// date before T goes (unless it is s itself: t_{n-1} + c = T or S = '-' leave the schedule alone)
describe('schedule properties (fast-check)', () => {
  const cycles = fc.oneof(
    fc.record({ n: fc.integer({ min: 1, max: 24 }), unit: fc.constantFrom('D', 'W', 'M', 'Q', 'H', 'Y') }).map(({ n, unit }) => `P${n}${unit}`),
    fc.record({ m: fc.integer({ min: 1, max: 14 }), d: fc.integer({ min: 1, max: 40 }) }).map(({ m, d }) => `P${m}M${d}D`),
  );
  const cases = fc.record({
    anchor: fc.integer({ min: 0, max: 3 * 365 }),
    span: fc.integer({ min: 1, max: 6 * 365 }),
    cycle: cycles,
    eom: fc.constantFrom('SD' as const, 'EOM' as const),
    includeEnd: fc.boolean(),
  });
  it('ascending from the anchor, every date but T on anchor + k·c, the short stub keeps them all, the long stub drops the last one off the cycle', () => {
    fc.assert(
      fc.property(cases, (g) => {
        const s = instant(2012, 1, 1) + g.anchor * MS_PER_DAY, T = s + g.span * MS_PER_DAY;
        const short = parseCycle(`${g.cycle}L1`)!, long = parseCycle(`${g.cycle}L0`)!;
        const monthEnd = g.eom === 'EOM' && short.days === 0 && isLastDayOfMonth(s);
        const at = (k: number): number => (monthEnd ? toEndOfMonth(addCycles(s, short, k)) : addCycles(s, short, k));
        // by the definition: the cycle dates before T, then T
        const expected: number[] = [];
        for (let k = 0; at(k) < T; k++) expected.push(at(k));
        const onCycle = expected.length > 0 && at(expected.length) === T;
        const shortDates = schedule(s, short, T, g.eom, g.includeEnd);
        expect(shortDates).toEqual(g.includeEnd ? [...expected, T] : expected);
        const longDates = schedule(s, long, T, g.eom, g.includeEnd);
        const merged = !onCycle && expected.length >= 2 ? expected.slice(0, -1) : expected;
        expect(longDates).toEqual(g.includeEnd ? [...merged, T] : merged);
        for (let i = 1; i < longDates.length; i++) expect(longDates[i]).toBeGreaterThan(longDates[i - 1]);
      }),
      { numRuns: 400 },
    );
  });
});
