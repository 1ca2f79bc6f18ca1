// CLM from the spec's CLM section (schedule, states, functions tables) and the dictionary
// (xDayNotice is a Period; applicability), beyond the test beds: maturity given or derived from
// the notice, calls and their settlement, IPCI with and without anchor, long stub, end of month,
// business days, rate resets, fees, validation, dependencies. Expected values are computed here
// by hand from the spec's formulas: A365 and a rate of 0.0365 make Y(s,t)·Ipnr = 0.0001 per day.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { computeEvents } from '../engine.js';
import { ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver } from '../observer.js';
import type { ContractEvent } from '../events.js';
import { formatDateTime, parseDateTime } from '../time/date.js';
import { termIssues } from './test-support.js';

// A fixed seed: the same verdict on every run (CI included); what a new seed finds becomes a case of its own.
const PROPERTY_SEED = 20261207;

const at = (s: string): number => parseDateTime(s.length === 10 ? `${s}T00:00:00` : s)!;
const day = (t: number): string => formatDateTime(t).slice(0, 10);
const listed = (ev: readonly ContractEvent[]): string[] => ev.map((e) => `${day(e.time)} ${e.type}`);
/** Days between two ISO dates, by the calendar alone (no engine code). */
const days = (a: string, b: string): number => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
/** Interest of 0.0365 (A365) per day: Y·Ipnr. */
const PER_DAY = 0.0001;

const base: Record<string, unknown> = {
  contractType: 'CLM', contractID: 'clm', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00',
  initialExchangeDate: '2020-01-02T00:00:00', notionalPrincipal: '1000', nominalInterestRate: '0.0365', dayCountConvention: 'A365',
  cycleOfInterestPayment: 'P1ML1', xDayNotice: 'P10D',
};
const withMD: Record<string, unknown> = { ...base, maturityDate: '2020-04-15T00:00:00' };
/** The terms without the given ones. */
function without(terms: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  const out = { ...terms };
  for (const n of names) delete out[n];
  return out;
}
const called = (time: string, id = 'clm') => new TimeSeriesObserver({}, [{ contractId: id, type: 'XD', time: at(time), value: 0 }]);

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw);

/** Nt after capitalising at each of `dates` from `from` (STF_IPCI_PAM: Nt += Ipac + Y(Sd,t)·Ipnr·Nt). */
function compounded(nt: number, from: string, dates: readonly string[], perDay = PER_DAY): number {
  let n = nt, last = from;
  for (const d of dates) {
    n *= 1 + perDay * days(last, d);
    last = d;
  }
  return n;
}

describe('CLM schedule with a maturity date (spec CLM schedule: IPCI to Md without it, IP and MD at Md)', () => {
  it('capitalises on IED + IPCL without an anchor, then pays the stub interest and the capitalised notional at MD', () => {
    const ev = computeEvents(withMD);
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 IPCI', '2020-03-02 IPCI', '2020-04-02 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
    const n3 = compounded(1000, '2020-01-02', ['2020-02-02', '2020-03-02', '2020-04-02']);
    expect(ev[0].payoff).toBe(-1000);
    expect(ev[1].notionalPrincipal).toBeCloseTo(1000 * (1 + PER_DAY * 31), 10);
    expect(ev[2].notionalPrincipal).toBeCloseTo(1000 * (1 + PER_DAY * 31) * (1 + PER_DAY * 29), 10);
    expect(ev[3].notionalPrincipal).toBeCloseTo(n3, 10);
    for (const i of [1, 2, 3]) expect(ev[i].payoff).toBe(0);
    expect(ev[4].payoff).toBeCloseTo(n3 * PER_DAY * 13, 10);
    expect(ev[5].payoff).toBeCloseTo(n3, 10);
    expect(ev[5].notionalPrincipal).toBe(0);
  });

  it('capitalises from the anchor IPANX when given, and not at MD when MD is on the cycle', () => {
    const ev = computeEvents({ ...withMD, cycleAnchorDateOfInterestPayment: '2020-01-15T00:00:00' });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-01-15 IPCI', '2020-02-15 IPCI', '2020-03-15 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
    const n3 = compounded(1000, '2020-01-02', ['2020-01-15', '2020-02-15', '2020-03-15']);
    expect(ev[3].notionalPrincipal).toBeCloseTo(n3, 10);
    expect(ev[4].payoff).toBeCloseTo(n3 * PER_DAY * 31, 10);
  });

  it('capitalises once at the anchor when no cycle is given (S(IPANX, -, Md) = (IPANX, Md))', () => {
    const noCycle = without(withMD, 'cycleOfInterestPayment');
    const ev = computeEvents({ ...noCycle, cycleAnchorDateOfInterestPayment: '2020-02-15T00:00:00' });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-15 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
    const n1 = 1000 * (1 + PER_DAY * 44);
    expect(ev[1].notionalPrincipal).toBeCloseTo(n1, 10);
    expect(ev[2].payoff).toBeCloseTo(n1 * PER_DAY * 60, 10);
  });

  it('pays all interest at MD when there is neither cycle nor anchor (IP only at Md)', () => {
    const noCycle = without(withMD, 'cycleOfInterestPayment');
    const ev = computeEvents(noCycle);
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-04-15 IP', '2020-04-15 MD']);
    expect(ev[1].payoff).toBeCloseTo(1000 * PER_DAY * 104, 10);
    expect(ev[2].payoff).toBe(1000);
  });

  it('merges the last capitalisation period into the final one with a long stub (L0)', () => {
    const ev = computeEvents({ ...withMD, cycleOfInterestPayment: 'P1ML0' });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 IPCI', '2020-03-02 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
    const n2 = compounded(1000, '2020-01-02', ['2020-02-02', '2020-03-02']);
    expect(ev[3].payoff).toBeCloseTo(n2 * PER_DAY * 44, 10);
  });

  it('ignores a capitalisation end date: not applicable to CLM, whose IPCI run to Md (dictionary applicability, spec CLM IPCI)', () => {
    const plain = computeEvents(withMD);
    const ced = computeEvents({ ...withMD, capitalizationEndDate: '2020-02-15T00:00:00' });
    expect(listed(ced)).toEqual(listed(plain));
    expect(ced.map((e) => e.payoff)).toEqual(plain.map((e) => e.payoff));
  });

  it('ignores a termination date: TD is not applicable to CLM (dictionary applicability; no TD in the spec CLM tables)', () => {
    const plain = computeEvents(withMD);
    const td = computeEvents({ ...withMD, terminationDate: '2020-03-01T00:00:00' });
    expect(listed(td)).toEqual(listed(plain));
    expect(td.map((e) => e.payoff)).toEqual(plain.map((e) => e.payoff));
  });

  it('keeps the end-of-month convention on the capitalisation cycle (EOM from 29 February)', () => {
    const terms = { ...withMD, maturityDate: '2020-05-15T00:00:00', cycleAnchorDateOfInterestPayment: '2020-02-29T00:00:00' };
    expect(listed(computeEvents({ ...terms, endOfMonthConvention: 'EOM' })).filter((s) => s.endsWith('IPCI'))).toEqual([
      '2020-02-29 IPCI', '2020-03-31 IPCI', '2020-04-30 IPCI',
    ]);
    expect(listed(computeEvents({ ...terms, endOfMonthConvention: 'SD' })).filter((s) => s.endsWith('IPCI'))).toEqual([
      '2020-02-29 IPCI', '2020-03-29 IPCI', '2020-04-29 IPCI',
    ]);
  });

  it('starts from Ipac(t0) = IPAC, else 0 when the IED is before t0: CLM has no IP before t0 (spec PAM states, t⁻ over t^IP = {Md})', () => {
    const seasoned = { ...withMD, statusDate: '2020-02-10T00:00:00' };
    const ev = computeEvents(seasoned);
    expect(listed(ev)).toEqual(['2020-03-02 IPCI', '2020-04-02 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
    expect(ev[0].notionalPrincipal).toBeCloseTo(1000 * (1 + PER_DAY * 21), 10);
    const withIpac = computeEvents({ ...seasoned, accruedInterest: '2.5' });
    expect(withIpac[0].notionalPrincipal).toBeCloseTo(1000 + 2.5 + 1000 * PER_DAY * 21, 10);
  });

  it('leaves out events on the status date: no IED at t0 (clm01), no capitalisation of IPAC at t0', () => {
    const ev = computeEvents({ ...withMD, statusDate: '2020-02-02T00:00:00', accruedInterest: '2.5' });
    expect(listed(ev)).toEqual(['2020-03-02 IPCI', '2020-04-02 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
    expect(ev[0].notionalPrincipal).toBeCloseTo(1000 + 2.5 + 1000 * PER_DAY * 29, 10);
  });

  it('signs payoffs and states by the role (RPL: IED received, notional and payments negative)', () => {
    const ev = computeEvents({ ...withMD, contractRole: 'RPL' });
    const n3 = compounded(1000, '2020-01-02', ['2020-02-02', '2020-03-02', '2020-04-02']);
    expect(ev[0].payoff).toBe(1000);
    expect(ev[3].notionalPrincipal).toBeCloseTo(-n3, 10);
    expect(ev[4].payoff).toBeCloseTo(-n3 * PER_DAY * 13, 10);
    expect(ev[5].payoff).toBeCloseTo(-n3, 10);
  });
});

describe('CLM maturity derived from the notice (dictionary xDayNotice: rolling, XDN after the status date)', () => {
  const open = without(withMD, 'maturityDate');

  it('notice in days: Md = t0 + XDN, also for a loan lent after t0', () => {
    const ev = computeEvents({ ...open, xDayNotice: 'P45D' });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 IPCI', '2020-02-15 IP', '2020-02-15 MD']);
    const n1 = 1000 * (1 + PER_DAY * 31);
    expect(ev[2].payoff).toBeCloseTo(n1 * PER_DAY * 13, 10);
    expect(ev[3].payoff).toBeCloseTo(n1, 10);
  });

  it('a notice ending before the IED makes the loan repayable at the IED (nothing lent to repay before it)', () => {
    const ev = computeEvents({ ...open, initialExchangeDate: '2020-03-01T00:00:00', xDayNotice: 'P2W' });
    expect(listed(ev)).toEqual(['2020-03-01 IED', '2020-03-01 IP', '2020-03-01 MD']);
    expect(ev.map((e) => e.payoff)).toEqual([-1000, 0, 1000]);
  });

  it('notice in weeks: Md = t0 + XDN for a loan running at t0', () => {
    const ev = computeEvents({ ...open, statusDate: '2020-01-01T00:00:00', initialExchangeDate: '2019-12-10T00:00:00', xDayNotice: 'P6W' });
    expect(listed(ev)).toEqual(['2020-01-10 IPCI', '2020-02-10 IPCI', '2020-02-12 IP', '2020-02-12 MD']);
    const n2 = compounded(1000, '2020-01-01', ['2020-01-10', '2020-02-10']);
    expect(ev[1].notionalPrincipal).toBeCloseTo(n2, 10);
    expect(ev[2].payoff).toBeCloseTo(n2 * PER_DAY * 2, 10);
  });

  it('notice in months from a month end: the day is clamped (31 January + P1M = 29 February 2020)', () => {
    const noCycle = without(open, 'cycleOfInterestPayment');
    const ev = computeEvents({ ...noCycle, statusDate: '2020-01-31T00:00:00', initialExchangeDate: '2020-01-31T00:00:00', xDayNotice: 'P1M' });
    expect(listed(ev)).toEqual(['2020-02-29 IP', '2020-02-29 MD']);
    expect(ev[0].payoff).toBeCloseTo(1000 * PER_DAY * 29, 10);
    expect(ev[1].payoff).toBe(1000);
  });

  it('a notice of P0D ends the loan at the IED with no interest, or at t0 (then nothing is left)', () => {
    const ev = computeEvents({ ...open, xDayNotice: 'P0D' });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-01-02 IP', '2020-01-02 MD']);
    expect(ev.map((e) => e.payoff)).toEqual([-1000, 0, 1000]);
    expect(computeEvents({ ...open, xDayNotice: 'P0D', statusDate: '2020-01-10T00:00:00' })).toEqual([]);
  });

  it('a notice ending on a Saturday keeps the date and calculates on the business day the convention gives (as MD in clm10)', () => {
    const noCycle = without(open, 'cycleOfInterestPayment');
    const terms = { ...noCycle, calendar: 'MF', initialExchangeDate: '2019-12-01T00:00:00', xDayNotice: 'P10D' }; // 2020-01-11 is a Saturday
    const scf = computeEvents({ ...terms, businessDayConvention: 'SCF' });
    expect(listed(scf)).toEqual(['2020-01-11 IP', '2020-01-11 MD']);
    expect(scf[0].payoff).toBeCloseTo(1000 * PER_DAY * 12, 10); // to Monday 13 January
    const scp = computeEvents({ ...terms, businessDayConvention: 'SCP' });
    expect(scp[0].payoff).toBeCloseTo(1000 * PER_DAY * 9, 10); // to Friday 10 January
    const csf = computeEvents({ ...terms, businessDayConvention: 'CSF' });
    expect(csf[0].payoff).toBeCloseTo(1000 * PER_DAY * 10, 10); // calculated on the unshifted date
  });

  it('pays fees to Md inclusive (FP same as PAM with T^MD = Md(t0))', () => {
    const ev = computeEvents({ ...open, xDayNotice: 'P2M', feeRate: '0.01', feeBasis: 'N', cycleOfFee: 'P1ML1' });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 FP', '2020-02-02 IPCI', '2020-03-01 FP', '2020-03-01 IP', '2020-03-01 MD']);
    const n1 = 1000 * (1 + PER_DAY * 31);
    expect(ev[1].payoff).toBeCloseTo(1000 * 0.01 * 31 / 365, 10);
    expect(ev[3].payoff).toBeCloseTo(n1 * 0.01 * 28 / 365, 10);
    expect(ev[4].payoff).toBeCloseTo(n1 * PER_DAY * 28, 10);
    expect(ev[5].payoff).toBeCloseTo(n1, 10);
  });

  it('stops at the horizon when it comes before Md', () => {
    const ev = computeEvents({ ...open, xDayNotice: 'P3M' }, { to: at('2020-03-15') });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 IPCI', '2020-03-02 IPCI']);
  });
});

describe('CLM called (observed XD): settled XDN after the call (clm07, clm13)', () => {
  const open = without(withMD, 'maturityDate');

  it('settles a call after the notice, with the interest due at the call', () => {
    const ev = computeEvents(base, { observer: called('2020-03-15T00:00:00') });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 IPCI', '2020-03-02 IPCI', '2020-03-15 XD', '2020-03-25 IP', '2020-03-25 STD']);
    const n2 = compounded(1000, '2020-01-02', ['2020-02-02', '2020-03-02']);
    expect(ev[2].notionalPrincipal).toBeCloseTo(n2, 10);
    expect(ev[4].payoff).toBeCloseTo(n2 * PER_DAY * 13, 10);
    expect(ev[5].payoff).toBeCloseTo(n2, 10);
    expect(ev[5].notionalPrincipal).toBe(0);
    // the call fixes the interest due: the XD event shows none accrued (as the reference: clm07)
    expect(ev[3].accruedInterest).toBe(0);
  });

  it('notice in weeks and in months (31 January + P1M = 29 February)', () => {
    const weeks = computeEvents({ ...open, xDayNotice: 'P2W' }, { observer: called('2020-03-15T00:00:00') });
    expect(listed(weeks).slice(-3)).toEqual(['2020-03-15 XD', '2020-03-29 IP', '2020-03-29 STD']);
    const months = computeEvents({ ...open, xDayNotice: 'P1M' }, { observer: called('2020-01-31T00:00:00') });
    expect(listed(months)).toEqual(['2020-01-02 IED', '2020-01-31 XD', '2020-02-29 IP', '2020-02-29 STD']);
    expect(months[2].payoff).toBeCloseTo(1000 * PER_DAY * 29, 10);
    expect(months[3].payoff).toBe(1000);
  });

  it('shows the interest accrued to a call settled at once, and pays it the same day', () => {
    const ev = computeEvents({ ...base, xDayNotice: 'P0D' }, { observer: called('2020-03-15T00:00:00') });
    expect(listed(ev).slice(-3)).toEqual(['2020-03-15 XD', '2020-03-15 IP', '2020-03-15 STD']);
    const n2 = compounded(1000, '2020-01-02', ['2020-02-02', '2020-03-02']);
    expect(ev[ev.length - 3].accruedInterest).toBeCloseTo(n2 * PER_DAY * 13, 10);
    expect(ev[ev.length - 2].payoff).toBeCloseTo(n2 * PER_DAY * 13, 10);
  });

  it('does not capitalise at the call itself (IPCI to Md without it: clm14)', () => {
    const ev = computeEvents(base, { observer: called('2020-03-02T00:00:00') });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 IPCI', '2020-03-02 XD', '2020-03-12 IP', '2020-03-12 STD']);
  });

  it('keeps the settlement of a call inside the horizon even when it falls after it; a call after the horizon ends it there', () => {
    const ev = computeEvents(base, { observer: called('2020-03-15T00:00:00'), to: at('2020-03-20T00:00:00') });
    expect(listed(ev).slice(-2)).toEqual(['2020-03-25 IP', '2020-03-25 STD']);
    expect(listed(computeEvents(base, { observer: called('2020-03-25T00:00:00'), to: at('2020-03-20T00:00:00') }))).toEqual([
      '2020-01-02 IED', '2020-02-02 IPCI', '2020-03-02 IPCI',
    ]);
  });

  it('settles a call made before the status date when the notice runs past it, with the states of t0', () => {
    const ev = computeEvents({ ...open, statusDate: '2020-03-20T00:00:00', accruedInterest: '5' }, { observer: called('2020-03-15T00:00:00') });
    expect(listed(ev)).toEqual(['2020-03-25 IP', '2020-03-25 STD']);
    expect(ev[0].payoff).toBe(5);
    expect(ev[1].payoff).toBe(1000);
    // settled before t0: nothing is left
    expect(computeEvents({ ...open, statusDate: '2020-03-30T00:00:00' }, { observer: called('2020-03-15T00:00:00') })).toEqual([]);
  });

  it('settles a call on the status date without showing it (events at t0 are in the states at t0)', () => {
    const ev = computeEvents({ ...open, statusDate: '2020-03-15T00:00:00', accruedInterest: '5' }, { observer: called('2020-03-15T00:00:00') });
    expect(listed(ev)).toEqual(['2020-03-25 IP', '2020-03-25 STD']);
    expect(ev.map((e) => e.payoff)).toEqual([5, 1000]);
  });

  it('follows MD when it is given: MD takes precedence over observed events (spec CLM states, Md)', () => {
    const ev = computeEvents(withMD, { observer: called('2020-03-15T00:00:00') });
    expect(listed(ev).slice(-3)).toEqual(['2020-04-02 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
  });

  it('ignores calls of other contracts', () => {
    const ev = computeEvents(withMD, { observer: called('2020-03-15T00:00:00', 'other') });
    expect(listed(ev).slice(-3)).toEqual(['2020-04-02 IPCI', '2020-04-15 IP', '2020-04-15 MD']);
    const open2 = computeEvents(open, { observer: called('2020-01-05T00:00:00', 'other') });
    expect(listed(open2)).toEqual(['2020-01-02 IED', '2020-01-11 IP', '2020-01-11 MD']);
  });

  it('refuses a call before the initial exchange: a typed error naming both dates', () => {
    expect(() => computeEvents(open, { observer: called('2019-12-20T00:00:00') })).toThrow(ComputationError);
    expect(() => computeEvents(open, { observer: called('2019-12-20T00:00:00') })).toThrow(/2019-12-20T00:00:00.*2020-01-02T00:00:00/);
  });
});

describe('CLM notice and capitalisation cycle together (spec CLM schedule IPCI = S(s, IPCL, Md(t0)), "Schedule" stubs, EOM, BDC)', () => {
  // IPCI anchored on 31 January with EOM every month-end, long stub (L0), SCF on a Monday-to-Friday
  // calendar: 29 February 2020 is a Saturday, capitalised (and calculated) on Monday 2 March
  const terms = {
    ...without(base, 'xDayNotice'), cycleOfInterestPayment: 'P1ML0', cycleAnchorDateOfInterestPayment: '2020-01-31T00:00:00', endOfMonthConvention: 'EOM',
    calendar: 'MF', businessDayConvention: 'SCF', xDayNotice: 'P3M',
  };
  const n1 = 1000 * (1 + PER_DAY * days('2020-01-02', '2020-01-31'));

  it('no call: Md = t0 + 3 months = 1 April; 31 March is merged into the last period (long stub), 29 February capitalises on 2 March', () => {
    const ev = computeEvents(terms);
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-01-31 IPCI', '2020-03-02 IPCI', '2020-04-01 IP', '2020-04-01 MD']);
    const n2 = n1 * (1 + PER_DAY * days('2020-01-31', '2020-03-02'));
    expect(ev[1].notionalPrincipal).toBeCloseTo(n1, 10);
    expect(ev[2].notionalPrincipal).toBeCloseTo(n2, 10);
    expect(ev[3].payoff).toBeCloseTo(n2 * PER_DAY * days('2020-03-02', '2020-04-01'), 10);
    expect(ev[4].payoff).toBeCloseTo(n2, 10);
  });

  it('a call on Friday 13 March ends the cycle there: the long stub merges 29 February into the period to the call, settled 3 months later', () => {
    const ev = computeEvents(terms, { observer: called('2020-03-13T00:00:00') });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-01-31 IPCI', '2020-03-13 XD', '2020-06-13 IP', '2020-06-13 STD']);
    expect(ev[3].payoff).toBeCloseTo(n1 * PER_DAY * days('2020-01-31', '2020-03-13'), 10);
    expect(ev[4].payoff).toBeCloseTo(n1, 10);
  });

  it('a short stub (L1) keeps every cycle date before the end: 29 February (2 March) then 31 March', () => {
    const ev = computeEvents({ ...terms, cycleOfInterestPayment: 'P1ML1' });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-01-31 IPCI', '2020-03-02 IPCI', '2020-03-31 IPCI', '2020-04-01 IP', '2020-04-01 MD']);
    const n3 = n1 * (1 + PER_DAY * days('2020-01-31', '2020-03-02')) * (1 + PER_DAY * days('2020-03-02', '2020-03-31'));
    expect(ev[3].notionalPrincipal).toBeCloseTo(n3, 10);
    expect(ev[4].payoff).toBeCloseTo(n3 * PER_DAY, 10);
  });
});


// The notice and the capitalisation cycle written in the forms the dictionary and the spec allow
// beyond the test beds: xDayNotice a combined ISO 8601 duration (dictionary "Period"), the IPCI
// cycle in the spec's NPS form with its stub (spec "Schedule": '-' short, '+' long)
describe('CLM audit: a combined notice (P1M15D) and a cycle of weeks in the spec form (2W-, 2W+)', () => {
  // t0 Wednesday 5 Aug 2015, IED 20 Jul; no MD, no call: Md = t0 + P1M15D = 5 Sep + 15 days =
  // 20 Sep (java.time Period: months, then days). IPCI from IED + 2W = 3 Aug every 14 days:
  // 3 Aug (before t0: gone), 17 Aug, 31 Aug, 14 Sep; 28 Sep is past Md
  const terms = {
    ...base, statusDate: '2015-08-05T00:00:00', initialExchangeDate: '2015-07-20T00:00:00', xDayNotice: 'P1M15D', cycleOfInterestPayment: '2W-',
  };
  it('short stub (2W-): every cycle date before Md capitalises, IP pays the 6 days from 14 Sep', () => {
    const ev = computeEvents(terms);
    expect(listed(ev)).toEqual(['2015-08-17 IPCI', '2015-08-31 IPCI', '2015-09-14 IPCI', '2015-09-20 IP', '2015-09-20 MD']);
    const n = compounded(1000, '2015-08-05', ['2015-08-17', '2015-08-31', '2015-09-14']);
    expect(ev[2].notionalPrincipal).toBeCloseTo(n, 10);
    expect(ev[3].payoff).toBeCloseTo(n * PER_DAY * 6, 10);
    expect(ev[4].payoff).toBeCloseTo(n, 10);
  });
  it('long stub (2W+): 14 Sep merges into a 20-day last period (28 Sep would not be Md)', () => {
    const ev = computeEvents({ ...terms, cycleOfInterestPayment: '2W+' });
    expect(listed(ev)).toEqual(['2015-08-17 IPCI', '2015-08-31 IPCI', '2015-09-20 IP', '2015-09-20 MD']);
    const n = compounded(1000, '2015-08-05', ['2015-08-17', '2015-08-31']);
    expect(ev[2].payoff).toBeCloseTo(n * PER_DAY * 20, 10);
    expect(ev[3].payoff).toBeCloseTo(n, 10);
  });
  it('a notice ending on the cycle (P1M9D: Md 14 Sep): no IPCI at Md itself, whatever the stub (t_{n-1} + c = T)', () => {
    for (const cycle of ['2W-', '2W+', 'P2WL0', 'P14DL1']) {
      const ev = computeEvents({ ...terms, xDayNotice: 'P1M9D', cycleOfInterestPayment: cycle });
      expect(listed(ev), cycle).toEqual(['2015-08-17 IPCI', '2015-08-31 IPCI', '2015-09-14 IP', '2015-09-14 MD']);
    }
  });
  it('a call settles a combined notice later: XD 10 Sep, IP and STD on 10 Oct + 15 days = 25 Oct', () => {
    const ev = computeEvents(terms, { observer: called('2015-09-10T00:00:00') });
    expect(listed(ev)).toEqual(['2015-08-17 IPCI', '2015-08-31 IPCI', '2015-09-10 XD', '2015-10-25 IP', '2015-10-25 STD']);
    const n = compounded(1000, '2015-08-05', ['2015-08-17', '2015-08-31']);
    expect(ev[3].payoff).toBeCloseTo(n * PER_DAY * 10, 10);
  });
});

describe('CLM rate resets (RR, RRF same as PAM, to Md without it)', () => {
  const market = (events: { contractId: string; type: 'XD'; time: number; value: number }[] = []) =>
    new TimeSeriesObserver({ IDX: [{ time: at('2020-01-01'), value: 0.063 }] }, events);
  const resets = { ...withMD, cycleAnchorDateOfRateReset: '2020-02-15T00:00:00', cycleOfRateReset: 'P1ML1', marketObjectCodeOfRateReset: 'IDX', rateSpread: '0.01' };

  it('resets to O(IDX) + RRSP and capitalises at the new rate, no reset at MD', () => {
    const ev = computeEvents(resets, { observer: market() });
    expect(listed(ev)).toEqual([
      '2020-01-02 IED', '2020-02-02 IPCI', '2020-02-15 RR', '2020-03-02 IPCI', '2020-03-15 RR', '2020-04-02 IPCI', '2020-04-15 IP', '2020-04-15 MD',
    ]);
    const fast = 0.073 / 365; // 0.0002 per day
    const n1 = 1000 * (1 + PER_DAY * 31);
    expect(ev[2].nominalInterestRate).toBeCloseTo(0.073, 12);
    expect(ev[2].accruedInterest).toBeCloseTo(n1 * PER_DAY * 13, 10);
    const n2 = n1 + n1 * PER_DAY * 13 + n1 * fast * 16;
    expect(ev[3].notionalPrincipal).toBeCloseTo(n2, 10);
    const n3 = n2 * (1 + fast * 31);
    expect(ev[5].notionalPrincipal).toBeCloseTo(n3, 10);
    expect(ev[6].payoff).toBeCloseTo(n3 * fast * 13, 10);
  });

  it('fixes the first reset after t0 at RRNXT (RRF), the later ones from the market', () => {
    const ev = computeEvents({ ...resets, nextResetRate: '0.05475' }, { observer: market() });
    expect(ev[2].type).toBe('RRF');
    expect(ev[2].nominalInterestRate).toBeCloseTo(0.05475, 12);
    const mid = 0.05475 / 365, fast = 0.073 / 365;
    const n1 = 1000 * (1 + PER_DAY * 31);
    const n2 = n1 + n1 * PER_DAY * 13 + n1 * mid * 16;
    expect(ev[3].notionalPrincipal).toBeCloseTo(n2, 10);
    expect(ev[4].nominalInterestRate).toBeCloseTo(0.073, 12);
    const n3 = n2 + n2 * mid * 13 + n2 * fast * 18;
    expect(ev[5].notionalPrincipal).toBeCloseTo(n3, 10);
  });

  it('resets only before a call', () => {
    const open = without(resets, 'maturityDate');
    const ev = computeEvents(open, { observer: market([{ contractId: 'clm', type: 'XD', time: at('2020-03-10'), value: 0 }]) });
    expect(listed(ev)).toEqual(['2020-01-02 IED', '2020-02-02 IPCI', '2020-02-15 RR', '2020-03-02 IPCI', '2020-03-10 XD', '2020-03-20 IP', '2020-03-20 STD']);
  });
});

describe('CLM invariants (property)', () => {
  /** t plus n months, the day clamped to the month's length (ISO 8601 period arithmetic). */
  const plusMonthsUTC = (t: number, n: number): number => {
    const d = new Date(t);
    const y = d.getUTCFullYear(), m = d.getUTCMonth() + n, dd = d.getUTCDate();
    const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    return Date.UTC(y, m, Math.min(dd, last));
  };
  const iso = (t: number): string => new Date(t).toISOString().slice(0, 19);
  const DAY = 86_400_000;

  it('capitalises to Md: Nt(Md) = NT·Π(1 + Y·r) over the IPCI periods, IP the last stub, MD repays the notional; sorted, nothing after Md', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 2000 }).map((bp) => bp / 10_000),
        fc.integer({ min: 1, max: 45 }),
        fc.oneof(
          fc.record({ unit: fc.constant('D' as const), n: fc.integer({ min: 0, max: 400 }) }),
          fc.record({ unit: fc.constant('W' as const), n: fc.integer({ min: 0, max: 60 }) }),
          fc.record({ unit: fc.constant('M' as const), n: fc.integer({ min: 0, max: 14 }) }),
          // a combined ISO 8601 duration (dictionary "Period"): months, then days
          fc.record({ unit: fc.constant('MD' as const), n: fc.integer({ min: 0, max: 14 }), days: fc.integer({ min: 1, max: 40 }) }),
        ),
        fc.integer({ min: 0, max: 3000 }),
        fc.boolean(),
        (nt, rate, cycleDays, notice, startOffset, role) => {
          const sd = Date.UTC(2015, 0, 1) + startOffset * DAY;
          const md =
            notice.unit === 'MD' ? plusMonthsUTC(sd, notice.n) + notice.days * DAY
            : notice.unit === 'M' ? plusMonthsUTC(sd, notice.n)
            : sd + notice.n * (notice.unit === 'W' ? 7 : 1) * DAY;
          const sign = role ? 1 : -1;
          const ev = computeEvents({
            contractType: 'CLM', contractID: 'p', contractRole: role ? 'RPA' : 'RPL', currency: 'USD', statusDate: iso(sd), initialExchangeDate: iso(sd),
            notionalPrincipal: String(nt), nominalInterestRate: String(rate), dayCountConvention: 'A365', cycleOfInterestPayment: `P${cycleDays}DL1`,
            xDayNotice: notice.unit === 'MD' ? `P${notice.n}M${notice.days}D` : `P${notice.n}${notice.unit}`,
          });
          // expected by hand: IPCI at IED + k·cycle strictly before Md, compounding Y = days/365
          let n = nt, last = sd;
          const ipci: number[] = [];
          for (let t = sd + cycleDays * DAY; t < md; t += cycleDays * DAY) {
            n *= 1 + rate * ((t - last) / DAY) / 365;
            ipci.push(t);
            last = t;
          }
          const interest = n * rate * ((md - last) / DAY) / 365;
          // a notice of nothing ends the loan at t0, whose events the states at t0 already hold
          if (md === sd) return void expect(ev).toEqual([]);
          expect(ev.map((e) => e.type)).toEqual([...ipci.map(() => 'IPCI'), 'IP', 'MD']);
          expect(ev.map((e) => e.time)).toEqual([...ipci, md, md]);
          const ip = ev[ev.length - 2], mdEv = ev[ev.length - 1];
          expect(Math.abs(ip.notionalPrincipal - sign * n)).toBeLessThanOrEqual(1e-9 * n);
          expect(Math.abs(ip.payoff - sign * interest)).toBeLessThanOrEqual(1e-9 * n);
          // MD repays exactly the state before it: the notional plus what is still accrued
          expect(mdEv.payoff).toBe(ip.notionalPrincipal + ip.accruedInterest);
          expect(mdEv.notionalPrincipal).toBe(0);
        },
      ),
      { numRuns: 300, seed: PROPERTY_SEED },
    );
  });

  it('a call anywhere after the IED: events sorted, XD then IP and STD at call + XDN last, STD repays Nt and IP the interest since the last IPCI', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 90 }), fc.integer({ min: 1, max: 40 }), (callDay, noticeDays, cycleDays) => {
        const sd = Date.UTC(2020, 0, 1), call = sd + callDay * DAY, settle = call + noticeDays * DAY;
        const ev = computeEvents(
          { ...base, initialExchangeDate: iso(sd), cycleOfInterestPayment: `P${cycleDays}DL1`, xDayNotice: `P${noticeDays}D` },
          { observer: new TimeSeriesObserver({}, [{ contractId: 'clm', type: 'XD', time: call, value: 0 }]) },
        );
        for (let i = 1; i < ev.length; i++) expect(ev[i].time).toBeGreaterThanOrEqual(ev[i - 1].time);
        expect(ev.slice(-3).map((e) => e.type)).toEqual(['XD', 'IP', 'STD']);
        expect(ev.slice(-3).map((e) => e.time)).toEqual([call, settle, settle]);
        const ipci = ev.filter((e) => e.type === 'IPCI');
        for (const e of ipci) expect(e.time).toBeLessThan(call);
        const lastCap = ipci.length ? ipci[ipci.length - 1] : undefined;
        const nt = lastCap ? lastCap.notionalPrincipal : 1000;
        const since = lastCap ? lastCap.time : sd;
        const ip = ev[ev.length - 2], std = ev[ev.length - 1];
        expect(ip.payoff).toBeCloseTo(nt * 0.0365 * ((call - since) / DAY) / 365, 9);
        expect(std.payoff).toBe(nt);
        expect(std.notionalPrincipal).toBe(0);
      }),
      { numRuns: 300, seed: PROPERTY_SEED },
    );
  });
});

describe('CLM terms', () => {
  it('names every missing or inconsistent term', () => {
    expect(issuesOf({ ...base, xDayNotice: undefined, cycleOfRateReset: 'P1ML1', feeRate: '0.01' })).toEqual(
      expect.arrayContaining(['xDayNotice', 'marketObjectCodeOfRateReset', 'feeBasis']),
    );
    expect(issuesOf({ ...base, xDayNotice: 'ten days' })).toEqual(['xDayNotice']);
  });

  it('requires the terms the dictionary marks NN for callMoney', () => {
    for (const term of ['contractRole', 'nominalInterestRate', 'dayCountConvention', 'currency', 'initialExchangeDate', 'notionalPrincipal', 'xDayNotice'])
      expect(issuesOf({ ...base, [term]: undefined })).toContain(term);
    // optional for CLM: MD, the interest cycle and its anchor
    expect(issuesOf({ ...base, cycleOfInterestPayment: undefined })).toEqual([]);
  });

  it('depends on the rate reset code only', () => {
    expect(dependenciesOf({ ...base, cycleOfRateReset: 'P1ML1', marketObjectCodeOfRateReset: 'IDX' })).toEqual(new Set(['IDX']));
    expect(dependenciesOf({ ...base, marketObjectCodeOfRateReset: 'IDX' })).toEqual(new Set());
  });
});
