// UMP beyond the test beds: observed principal changes (PR / PI) with the role sign, capitalisation
// up to the horizon, required terms, dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { InvalidTermsError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver, type ObservedEvent } from '../observer.js';
import { formatDateTime, parseDateTime } from '../time/date.js';

const at = (s: string): number => parseDateTime(s)!;
const base: Record<string, unknown> = {
  contractType: 'UMP', contractID: 'ump', contractRole: 'RPL', currency: 'USD', statusDate: '2020-01-01T00:00:00',
  initialExchangeDate: '2020-01-01T00:00:00', notionalPrincipal: '1000', nominalInterestRate: '0.0365', dayCountConvention: 'A365',
  cycleAnchorDateOfInterestPayment: '2020-12-31T00:00:00', cycleOfInterestPayment: 'P1YL1', xDayNotice: 'P1M',
};
const observed = (...events: [string, string, number][]) =>
  new TimeSeriesObserver({}, events.map(([type, time, value]): ObservedEvent => ({ contractId: 'ump', type, time: at(time), value })));

describe('UMP', () => {
  it('moves the principal by observed withdrawals (PR) and deposits (PI), signed by the role', () => {
    const ev = computeEvents(base, { observer: observed(['PI', '2020-03-01T00:00:00', 500], ['PR', '2020-06-01T00:00:00', 200]), to: at('2021-06-01T00:00:00') });
    expect(ev.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type} ${e.payoff} ${e.notionalPrincipal.toFixed(4)}`)).toEqual([
      '2020-03-01 PI 500 -1500.0000',
      '2020-06-01 PR -200 -1300.0000',
      `2020-12-31 IPCI 0 ${(-1300 - 1000 * 0.0365 * 60 / 365 - 1500 * 0.0365 * 92 / 365 - 1300 * 0.0365 * 213 / 365).toFixed(4)}`,
    ]);
  });

  it('ends at an observed call: IP and STD after the notice, nothing capitalised after the call', () => {
    const ev = computeEvents(base, { observer: observed(['XD', '2021-03-01T00:00:00', 0]) });
    expect(ev.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type}`)).toEqual(['2020-12-31 IPCI', '2021-03-01 XD', '2021-04-01 IP', '2021-04-01 STD']);
    expect(ev[2].payoff).toBeCloseTo(ev[0].notionalPrincipal * 0.0365 * 60 / 365, 9);
    expect(ev[3].payoff).toBeCloseTo(ev[0].notionalPrincipal, 9);
  });

  it('leaves out the IED at the status date (the initial states hold it) and stops at the horizon', () => {
    const ev = computeEvents(base, { to: at('2022-12-31T00:00:00') });
    expect(ev.map((e) => formatDateTime(e.time).slice(0, 10))).toEqual(['2020-12-31', '2021-12-31']);
  });

  it('needs no rate and no creator or counterparty identifiers, but a currency and a role', () => {
    expect(() => computeEvents({ ...base, nominalInterestRate: undefined, cycleOfInterestPayment: undefined, cycleAnchorDateOfInterestPayment: undefined })).not.toThrow();
    try {
      computeEvents({ ...base, currency: undefined, contractRole: 'XX' });
      expect.fail('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidTermsError);
      expect((e as InvalidTermsError).issues.map((i) => i.term)).toEqual(expect.arrayContaining(['currency', 'contractRole']));
    }
  });

  it('depends on the rate reset code when resets are scheduled', () => {
    expect(dependenciesOf({ ...base, cycleOfRateReset: 'P6ML1', marketObjectCodeOfRateReset: 'IDX' })).toEqual(new Set(['IDX']));
    expect(dependenciesOf(base)).toEqual(new Set());
  });
});
