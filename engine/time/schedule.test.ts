import { describe, it, expect } from 'vitest';
import { schedule } from './schedule.js';
import { parseCycle } from './cycle.js';
import { instant, formatDateTime } from './date.js';

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
  it('without a cycle gives the anchor and the end', () => {
    expect(fmt(schedule(instant(2013, 1, 1), undefined, instant(2014, 1, 1), 'SD', true))).toEqual(['2013-01-01', '2014-01-01']);
  });
});
