import { describe, it, expect } from 'vitest';
import { parseCycle, parsePeriod, addCycles } from './cycle.js';
import { instant, formatDateTime } from './date.js';

describe('cycle', () => {
  it('parses ACTUS cycles with their stub', () => {
    expect(parseCycle('P1ML0')).toMatchObject({ months: 1, days: 0, longStub: true });
    expect(parseCycle('P3ML1')).toMatchObject({ months: 3, longStub: false });
    expect(parseCycle('P27DL1')).toMatchObject({ days: 27, months: 0 });
    expect(parseCycle('P1YL1')).toMatchObject({ months: 12 });
    expect(parseCycle('P2WL0')).toMatchObject({ days: 14 });
  });
  it('rejects malformed or empty cycles', () => {
    for (const s of ['P1M', 'P0ML0', '1ML0', 'P1XL0', 'P1ML2', '', 'PL1', 'P0Y0ML1', '0M-', '1M', 'P1M-', '1M+L0', 'P1D2ML1', 'P1M1ML1', 'PT1HL1', 'P-1ML1', '1.5M-']) expect(parseCycle(s), s).toBeUndefined();
  });
  // dictionary "Cycle": allowed values "[ISO8601 Duration]L[s={0,1}]"; an ISO 8601 duration may
  // combine units (P1Y6M, P1M15D, P2W3D), each at most once, largest first
  it('parses combined ISO 8601 durations: months (years, half years, quarters) and days (weeks)', () => {
    expect(parseCycle('P1Y6ML1')).toMatchObject({ months: 18, days: 0, longStub: false });
    expect(parseCycle('P1M15DL0')).toMatchObject({ months: 1, days: 15, longStub: true });
    expect(parseCycle('P1Y2M3DL1')).toMatchObject({ months: 14, days: 3 });
    expect(parseCycle('P2W3DL1')).toMatchObject({ months: 0, days: 17 });
    expect(parseCycle('P1H1QL1')).toMatchObject({ months: 9, days: 0 });
    expect(parseCycle(' P1ML1 ')).toMatchObject({ months: 1, text: 'P1ML1' });
  });
  // spec "Schedule": cycles have format NPS, N an integer, P in D, W, M, Q, H, Y and S the stub,
  // '+' the long last stub, '-' the short one
  it("parses the spec's NPS form: 1M- short, 1Q+ long, weeks and days", () => {
    expect(parseCycle('1M-')).toMatchObject({ months: 1, days: 0, longStub: false });
    expect(parseCycle('1Q+')).toMatchObject({ months: 3, longStub: true });
    expect(parseCycle('1W-')).toMatchObject({ months: 0, days: 7, longStub: false });
    expect(parseCycle('10D+')).toMatchObject({ days: 10, longStub: true });
    expect(parseCycle('2H-')).toMatchObject({ months: 12 });
    expect(parseCycle('1Y+')).toMatchObject({ months: 12, longStub: true });
  });
  it('parses periods such as fixing days', () => {
    expect(parsePeriod('P0D')).toMatchObject({ days: 0 });
    expect(parsePeriod('P2D')).toMatchObject({ days: 2 });
    expect(parsePeriod('P5DL0')).toMatchObject({ days: 5 });
    // dictionary "Period": "ISO8601 Duration" (xDayNotice P1M15D, P1Y2M)
    expect(parsePeriod('P1M15D')).toMatchObject({ months: 1, days: 15 });
    expect(parsePeriod('P1Y2M')).toMatchObject({ months: 14, days: 0 });
    expect(parsePeriod('P0M')).toMatchObject({ months: 0, days: 0 });
    for (const s of ['P', 'PT0S', 'P-1D', '2D', 'P1D1D']) expect(parsePeriod(s), s).toBeUndefined();
  });
  it('adds k cycles from the anchor', () => {
    expect(formatDateTime(addCycles(instant(2013, 1, 31), parseCycle('P1ML0')!, 2))).toBe('2013-03-31T00:00:00');
  });
  // java.time Period.addTo (the reference's arithmetic): the months first, the day clamped to the
  // month's end, then the days: 31 Jan + P1M15D = 28 Feb + 15 days = 15 Mar; k cycles multiply
  // the period (2 × P1M15D = P2M30D: 31 Mar, then 30 Apr)
  it('adds a combined duration as months, then days, and k cycles as the period multiplied by k', () => {
    const c = parseCycle('P1M15DL1')!;
    expect(formatDateTime(addCycles(instant(2013, 1, 31), c, 1)).slice(0, 10)).toBe('2013-03-15');
    expect(formatDateTime(addCycles(instant(2013, 1, 31), c, 2)).slice(0, 10)).toBe('2013-04-30');
    expect(formatDateTime(addCycles(instant(2013, 3, 15), c, -1)).slice(0, 10)).toBe('2013-01-31');
  });
});
