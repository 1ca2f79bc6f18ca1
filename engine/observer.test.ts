import { describe, it, expect } from 'vitest';
import { emptyObserver, observerFromTestBed, TimeSeriesObserver } from './observer.js';
import { instant } from './time/date.js';
import { InvalidMarketDataError } from './errors.js';

describe('risk factor observer', () => {
  const o = observerFromTestBed(
    { R: { identifier: 'R', data: [{ timestamp: '2013-05-01T00:00:00', value: '0.02' }, { timestamp: '2013-02-01T00:00:00', value: 0.01 }] } },
    [{ time: '2015-07-30T00:00:00', type: 'AD', value: 0 }],
  );
  it('gives the last observation at or before t (the first before the series starts)', () => {
    expect(o.valueAt('R', instant(2013, 2, 1))).toBe(0.01);
    expect(o.valueAt('R', instant(2013, 4, 30))).toBe(0.01);
    expect(o.valueAt('R', instant(2013, 5, 1))).toBe(0.02);
    expect(o.valueAt('R', instant(2012, 1, 1))).toBe(0.01);
  });
  it('has nothing for unknown codes', () => {
    expect(o.valueAt('X', instant(2013, 2, 1))).toBeUndefined();
  });
  it('carries observed events', () => {
    expect(o.eventsObserved('any')).toHaveLength(1);
  });
  it('answers as an empty observer when the case has neither data nor events, and is one shared observer then', () => {
    const empty = new TimeSeriesObserver();
    const t = instant(2015, 7, 30);
    for (const [data, events] of [[undefined, undefined], [null, null], [{}, []], ['R', []], [undefined, []], [{ R: { data: [] } }, undefined]] as const) {
      const none = observerFromTestBed(data, events);
      expect([none.valueAt('R', t), none.eventsObserved('c')]).toEqual([empty.valueAt('R', t), empty.eventsObserved('c')]);
    }
    expect(observerFromTestBed(undefined, undefined)).toBe(emptyObserver);
    expect(observerFromTestBed(null, [])).toBe(emptyObserver);
    // observed events that cannot be read are errors, never skipped (engine/testbed.test.ts has the messages)
    expect(() => observerFromTestBed('R', {})).toThrow(InvalidMarketDataError);
    expect(() => observerFromTestBed(undefined, [{ time: 'never', type: 'AD' }])).toThrow(InvalidMarketDataError);
  });
});
