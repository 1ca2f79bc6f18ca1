import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { computeEvents } from '../engine.js';
import { TimeSeriesObserver } from '../observer.js';
import type { ContractEvent } from '../events.js';
import { bookContract } from '../../bench/engine.js';

describe('ANN', () => {
  it('derives the payment at a fixing (PRF) the day before the first redemption and amortizes to zero', () => {
    const ev = computeEvents(bookContract('ANN', 3));
    expect(ev).toHaveLength(83);
    expect(ev.filter((e) => e.type === 'PRF')).toHaveLength(1);
    expect(ev.at(-1)).toMatchObject({ type: 'MD', notionalPrincipal: 0 });
    const pr = ev.filter((e) => e.type === 'PR');
    expect(pr.every((e) => e.payoff > 0)).toBe(true);
  });
  it('orders same-day PR before IP (test beds)', () => {
    const ev = computeEvents(bookContract('ANN', 3));
    const i = ev.findIndex((e) => e.type === 'PR');
    expect(ev[i + 1].type).toBe('IP');
    expect(ev[i + 1].time).toBe(ev[i].time);
  });
});

// ---- an independent reference: the annuity as the payment that makes the amortization
// recurrence end at zero, solved linearly (not the closed form of annuity.ts), over dates
// written out by hand from the spec's schedule rules, with A365 day counts ----

const DAY = 86_400_000;
const d = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
const a365 = (from: number, to: number): number => (to - from) / DAY / 365;

/** Nt after paying `payment` on each of `dates` (interest accrued since `start`, `accrued` already owed at `start`). */
function balanceAfter(start: number, dates: readonly number[], notional: number, accrued: number, rate: number, payment: number): number {
  let n = notional, acc = accrued, prev = start;
  for (const t of dates) {
    acc += n * rate * a365(prev, t);
    n -= payment - acc;
    acc = 0;
    prev = t;
  }
  return n;
}

/** The level payment that brings Nt to 0 at the last date: balanceAfter is affine in the payment. */
function solveAnnuity(start: number, dates: readonly number[], notional: number, accrued: number, rate: number): number {
  const b0 = balanceAfter(start, dates, notional, accrued, rate, 0);
  const b1 = balanceAfter(start, dates, notional, accrued, rate, 1);
  return b0 / (b0 - b1);
}

interface Reset { at: number; rate: number }
interface Payment { at: number; principal: number; interest: number; notional: number }

/**
 * The contract by hand: payment fixed at `start`, then on each date of `pr` (Md last) the
 * interest accrued and payment − interest of principal (everything left at Md); at each reset,
 * after a PR of the same day (test beds: PR, IP, RR, PRF), the new rate and a new payment over
 * the remaining dates from the state at that time.
 */
function reference(start: number, pr: readonly number[], notional: number, accrued: number, rate: number, resets: readonly Reset[] = [], payment?: number) {
  let a = payment ?? solveAnnuity(start, pr, notional, accrued, rate);
  const fixings = [a];
  const payments: Payment[] = [];
  const times = [...new Set([...pr, ...resets.map((r) => r.at)])].sort((x, y) => x - y);
  let n = notional, acc = accrued, r = rate, prev = start;
  for (const t of times) {
    acc += n * r * a365(prev, t);
    prev = t;
    if (pr.includes(t)) {
      const principal = t === pr.at(-1) ? n : a - acc;
      n -= principal;
      payments.push({ at: t, principal, interest: acc, notional: n });
      acc = 0;
    }
    const reset = resets.find((x) => x.at === t);
    if (reset) {
      r = reset.rate;
      a = solveAnnuity(t, pr.filter((x) => x > t), n, acc, r);
      fixings.push(a);
    }
  }
  return { payments, fixings };
}

const ANN_BASE = {
  contractType: 'ANN', contractID: 'ann-x', contractRole: 'RPA', currency: 'USD', statusDate: '2012-12-30T00:00:00',
  initialExchangeDate: '2013-01-01T00:00:00', notionalPrincipal: '10000', nominalInterestRate: '0.08', dayCountConvention: 'A365',
};

function ann(terms: Record<string, string>, observer?: TimeSeriesObserver): ContractEvent[] {
  return computeEvents({ ...ANN_BASE, ...terms }, observer ? { observer } : {});
}

const close = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
};

/** The engine's PR/IP/MD against the reference, event by event (calculation and payment dates may differ: CS* conventions). */
function expectPayments(ev: readonly ContractEvent[], expected: readonly Payment[], paidOn: readonly string[] = expected.map((p) => day(p.at))): void {
  const pr = ev.filter((e) => e.type === 'PR' || e.type === 'MD');
  expect(pr.map((e) => day(e.time))).toEqual(paidOn);
  expect(pr.at(-1)!.type).toBe('MD');
  for (let i = 0; i < expected.length; i++) {
    const ip = ev.find((e) => e.type === 'IP' && e.time === pr[i].time)!;
    close(pr[i].payoff, expected[i].principal);
    close(ip.payoff, expected[i].interest);
    close(pr[i].notionalPrincipal, expected[i].notional);
  }
  expect(pr.at(-1)!.notionalPrincipal).toBe(0);
}

const monthly = (from: string, n: number): number[] => {
  const [y, m, dd] = from.split('-').map(Number);
  return Array.from({ length: n }, (_, k) => Date.UTC(y, m - 1 + k, dd));
};

describe('ANN annuity over the actual PR schedule with stubs (spec "Schedule", "Annuity Amount Function")', () => {
  // IED 2013-01-01, PR monthly from 2013-02-01, Md 2013-12-15, off the cycle: the fixing (PRF)
  // on 2013-01-31 carries one day of accrued interest into the first payment
  it('short last stub (L1): PR on 2013-12-01 stays, Md 14 days later pays the same total', () => {
    const pr = [...monthly('2013-02-01', 11), d('2013-12-15')];
    const ev = ann({ cycleOfPrincipalRedemption: 'P1ML1', cycleAnchorDateOfPrincipalRedemption: '2013-02-01T00:00:00', maturityDate: '2013-12-15T00:00:00' });
    const { payments, fixings } = reference(d('2013-01-31'), pr, 10000, 10000 * 0.08 * 30 / 365, 0.08);
    expectPayments(ev, payments);
    expect(fixings[0]).toBeCloseTo(869.473812, 5);
  });
  it('long last stub (L0): the last cycle date 2013-12-01 is merged into the last period', () => {
    const pr = [...monthly('2013-02-01', 10), d('2013-12-15')];
    const ev = ann({ cycleOfPrincipalRedemption: 'P1ML0', cycleAnchorDateOfPrincipalRedemption: '2013-02-01T00:00:00', maturityDate: '2013-12-15T00:00:00' });
    expectPayments(ev, reference(d('2013-01-31'), pr, 10000, 10000 * 0.08 * 30 / 365, 0.08).payments);
  });
  it('stubs at both ends: a 50-day first period (anchor 2013-02-20) and a short (L1) or long (L0) last one', () => {
    const a = 10000 * 0.08 * 49 / 365;
    const short = [...monthly('2013-02-20', 10), d('2013-12-05')];
    expectPayments(
      ann({ cycleOfPrincipalRedemption: 'P1ML1', cycleAnchorDateOfPrincipalRedemption: '2013-02-20T00:00:00', maturityDate: '2013-12-05T00:00:00' }),
      reference(d('2013-02-19'), short, 10000, a, 0.08).payments,
    );
    const long = [...monthly('2013-02-20', 9), d('2013-12-05')];
    expectPayments(
      ann({ cycleOfPrincipalRedemption: 'P1ML0', cycleAnchorDateOfPrincipalRedemption: '2013-02-20T00:00:00', maturityDate: '2013-12-05T00:00:00' }),
      reference(d('2013-02-19'), long, 10000, a, 0.08).payments,
    );
  });
  it('a cycle of weeks (P2WL1, anchor IED + 2 weeks) with an 11-day last stub', () => {
    const pr = Array.from({ length: 11 }, (_, k) => d('2013-01-15') + k * 14 * DAY);
    expect(day(pr.at(-1)!)).toBe('2013-06-04');
    pr.push(d('2013-06-15'));
    expectPayments(ann({ cycleOfPrincipalRedemption: 'P2WL1', maturityDate: '2013-06-15T00:00:00' }), reference(d('2013-01-14'), pr, 10000, 10000 * 0.08 * 13 / 365, 0.08).payments);
  });
  it('a cycle of days (P10DL0): the 4-day stub before Md merges into a 14-day last period', () => {
    const pr = Array.from({ length: 9 }, (_, k) => d('2013-01-11') + k * 10 * DAY);
    expect(day(pr.at(-1)!)).toBe('2013-04-01');
    pr.push(d('2013-04-15'));
    expectPayments(ann({ cycleOfPrincipalRedemption: 'P10DL0', maturityDate: '2013-04-15T00:00:00' }), reference(d('2013-01-10'), pr, 10000, 10000 * 0.08 * 9 / 365, 0.08).payments);
  });
  it('end of month: IED 31 Jan, anchor 28 Feb; EOM moves every date to the month end, SD keeps the 28th (short L1 or long L0 stub to 31 Dec)', () => {
    const ied = { initialExchangeDate: '2013-01-31T00:00:00', maturityDate: '2013-12-31T00:00:00' };
    const a = 10000 * 0.08 * 27 / 365;
    const eom = ['2013-02-28', '2013-03-31', '2013-04-30', '2013-05-31', '2013-06-30', '2013-07-31', '2013-08-31', '2013-09-30', '2013-10-31', '2013-11-30', '2013-12-31'].map(d);
    expectPayments(ann({ ...ied, cycleOfPrincipalRedemption: 'P1ML1', endOfMonthConvention: 'EOM' }), reference(d('2013-02-27'), eom, 10000, a, 0.08).payments);
    const sdShort = [...monthly('2013-02-28', 11), d('2013-12-31')];
    expectPayments(ann({ ...ied, cycleOfPrincipalRedemption: 'P1ML1', endOfMonthConvention: 'SD' }), reference(d('2013-02-27'), sdShort, 10000, a, 0.08).payments);
    const sdLong = [...monthly('2013-02-28', 10), d('2013-12-31')];
    expectPayments(ann({ ...ied, cycleOfPrincipalRedemption: 'P1ML0', endOfMonthConvention: 'SD' }), reference(d('2013-02-27'), sdLong, 10000, a, 0.08).payments);
  });
  // 2013: 1 Jun is a Saturday, 1 Sep and 1 Dec Sundays (Monday-to-Friday calendar)
  const shifted = ['2013-02-01', '2013-03-01', '2013-04-01', '2013-05-01', '2013-06-03', '2013-07-01', '2013-08-01', '2013-09-02', '2013-10-01', '2013-11-01', '2013-12-02'];
  it('SCF: shifted to the following business day and calculated on the shifted dates (spec "Business Day Shift Convention")', () => {
    const ev = ann({ cycleOfPrincipalRedemption: 'P1ML1', maturityDate: '2013-12-01T00:00:00', businessDayConvention: 'SCF', calendar: 'MF' });
    expectPayments(ev, reference(d('2013-01-31'), shifted.map(d), 10000, 10000 * 0.08 * 30 / 365, 0.08).payments);
  });
  it('CSF: calculated on the unshifted dates, paid on the shifted ones', () => {
    const ev = ann({ cycleOfPrincipalRedemption: 'P1ML1', maturityDate: '2013-12-01T00:00:00', businessDayConvention: 'CSF', calendar: 'MF' });
    expectPayments(ev, reference(d('2013-01-31'), monthly('2013-02-01', 11), 10000, 10000 * 0.08 * 30 / 365, 0.08).payments, shifted);
  });
  it('status date during the interest-only period before the first PR: Ipac(t0) runs from the last date of the IP cycle (spec NAM IP schedule u)', () => {
    const ev = ann({ statusDate: '2013-03-20T00:00:00', cycleOfInterestPayment: 'P1ML1', cycleAnchorDateOfInterestPayment: '2013-01-15T00:00:00', cycleOfPrincipalRedemption: 'P1ML1', cycleAnchorDateOfPrincipalRedemption: '2013-06-01T00:00:00', maturityDate: '2014-01-01T00:00:00' });
    const ip = ev.filter((e) => e.type === 'IP').slice(0, 2);
    expect(ip.map((e) => day(e.time))).toEqual(['2013-04-15', '2013-05-01']);
    close(ip[0].payoff, 10000 * 0.08 * 31 / 365);
    close(ip[1].payoff, 10000 * 0.08 * 16 / 365);
    expectPayments(ev, reference(d('2013-05-31'), monthly('2013-06-01', 8), 10000, 10000 * 0.08 * 30 / 365, 0.08).payments);
  });
  it('balloon: with AMD after MD the annuity runs to AMD, and MD repays what is left (dictionary amortizationDate)', () => {
    const ev = ann({ cycleOfPrincipalRedemption: 'P1ML1', maturityDate: '2013-07-01T00:00:00', amortizationDate: '2014-01-01T00:00:00' });
    const a = 10000 * 0.08 * 30 / 365;
    const payment = solveAnnuity(d('2013-01-31'), monthly('2013-02-01', 12), 10000, a, 0.08);
    const { payments } = reference(d('2013-01-31'), monthly('2013-02-01', 6), 10000, a, 0.08, [], payment);
    expectPayments(ev, payments);
    expect(payments.at(-1)!.principal).toBeGreaterThan(payment * 5);
  });
  it('PRANX the day after the IED: no fixing (it would fall on the IED), the payment is fixed at the IED; two days after: PRF on the day between', () => {
    const terms = { cycleOfPrincipalRedemption: 'P1ML1', maturityDate: '2013-12-02T00:00:00' };
    const next = ann({ ...terms, cycleAnchorDateOfPrincipalRedemption: '2013-01-02T00:00:00' });
    expect(next.filter((e) => e.type === 'PRF')).toEqual([]);
    expectPayments(next, reference(d('2013-01-01'), [...monthly('2013-01-02', 11), d('2013-12-02')], 10000, 0, 0.08).payments);
    const after2 = ann({ ...terms, cycleAnchorDateOfPrincipalRedemption: '2013-01-03T00:00:00' });
    expect(after2.filter((e) => e.type === 'PRF').map((e) => day(e.time))).toEqual(['2013-01-02']);
    expectPayments(after2, reference(d('2013-01-02'), [...monthly('2013-01-03', 11), d('2013-12-02')], 10000, 10000 * 0.08 / 365, 0.08).payments);
  });
  it('CSF: an IPCI calculated on Saturday (IPCED) and an IP calculated on Sunday, both paid on Monday, run in the order of their calculation times', () => {
    // IED Friday 2013-07-19, IP monthly from Sunday 21 July, IPCED Saturday 20 July, PR from 2013-09-01
    const ev = ann({
      initialExchangeDate: '2013-07-19T00:00:00', statusDate: '2013-07-18T00:00:00', cycleOfPrincipalRedemption: 'P1ML1', cycleAnchorDateOfPrincipalRedemption: '2013-09-02T00:00:00',
      maturityDate: '2014-01-02T00:00:00', cycleOfInterestPayment: 'P1ML1', cycleAnchorDateOfInterestPayment: '2013-07-21T00:00:00', capitalizationEndDate: '2013-07-20T00:00:00',
      businessDayConvention: 'CSF', calendar: 'MF',
    });
    const monday = ev.filter((e) => day(e.time) === '2013-07-22');
    expect(monday.map((e) => e.type)).toEqual(['IPCI', 'IP']);
    close(monday[0].notionalPrincipal, 10000 * (1 + 0.08 / 365));
    close(monday[1].payoff, 10000 * (1 + 0.08 / 365) * 0.08 / 365);
  });
  it('status date after the IED: the payment from the state at t0, with the interest accrued since the last PR (spec ANN states, Prnxt)', () => {
    const ev = ann({ statusDate: '2013-03-15T00:00:00', cycleOfPrincipalRedemption: 'P1ML1', maturityDate: '2013-12-01T00:00:00' });
    expectPayments(ev, reference(d('2013-03-15'), monthly('2013-04-01', 9), 10000, 10000 * 0.08 * 14 / 365, 0.08).payments);
  });
});

describe('ANN payment re-fixing (PRF, RR, RRF) when the rate reset cycle differs from the PR cycle', () => {
  const R = (pts: [string, number][]): TimeSeriesObserver => new TimeSeriesObserver({ R: pts.map(([t, value]) => ({ time: d(t), value })) });
  const market = R([['2013-01-01', 0.03], ['2013-06-01', 0.05], ['2014-03-01', 0.02]]);
  const floating = { marketObjectCodeOfRateReset: 'R', rateSpread: '0.01', cycleOfPrincipalRedemption: 'P1ML1', maturityDate: '2015-01-01T00:00:00' };
  const prf = (ev: readonly ContractEvent[]): string[] => ev.filter((e) => e.type === 'PRF').map((e) => day(e.time));

  it('yearly resets anchored between two monthly redemptions: PRF with each RR, the new payment from the state at the reset', () => {
    const ev = ann({ ...floating, cycleOfRateReset: 'P1YL1', cycleAnchorDateOfRateReset: '2013-06-15T00:00:00' }, market);
    expect(prf(ev)).toEqual(['2013-01-31', '2013-06-15', '2014-06-15']);
    const resets = [{ at: d('2013-06-15'), rate: 0.06 }, { at: d('2014-06-15'), rate: 0.03 }];
    const { payments, fixings } = reference(d('2013-01-31'), monthly('2013-02-01', 24), 10000, 10000 * 0.08 * 30 / 365, 0.08, resets);
    expectPayments(ev, payments);
    expect(fixings).toHaveLength(3);
  });
  it('half-yearly resets on the 10th, quarterly redemptions on the 1st (anchors that never coincide)', () => {
    const ev = ann({ ...floating, cycleOfPrincipalRedemption: 'P3ML1', cycleAnchorDateOfPrincipalRedemption: '2013-04-01T00:00:00', cycleOfRateReset: 'P6ML1', cycleAnchorDateOfRateReset: '2013-05-10T00:00:00' }, market);
    expect(prf(ev)).toEqual(['2013-03-31', '2013-05-10', '2013-11-10', '2014-05-10', '2014-11-10']);
    const resets = [['2013-05-10', 0.04], ['2013-11-10', 0.06], ['2014-05-10', 0.03], ['2014-11-10', 0.03]].map(([t, r]) => ({ at: d(t as string), rate: r as number }));
    const pr = ['2013-04-01', '2013-07-01', '2013-10-01', '2014-01-01', '2014-04-01', '2014-07-01', '2014-10-01', '2015-01-01'].map(d);
    expectPayments(ev, reference(d('2013-03-31'), pr, 10000, 10000 * 0.08 * 89 / 365, 0.08, resets).payments);
  });
  it('a reset on a redemption date re-fixes after that day\'s PR and IP (test beds: PR, IP, RR, PRF)', () => {
    const ev = ann({ ...floating, maturityDate: '2014-01-01T00:00:00', cycleOfRateReset: 'P3ML1', cycleAnchorDateOfRateReset: '2013-04-01T00:00:00' }, market);
    const day0401 = ev.filter((e) => day(e.time) === '2013-04-01').map((e) => e.type);
    expect(day0401).toEqual(['PR', 'IP', 'RR', 'PRF']);
    const resets = [['2013-04-01', 0.04], ['2013-07-01', 0.06], ['2013-10-01', 0.06]].map(([t, r]) => ({ at: d(t as string), rate: r as number }));
    expectPayments(ev, reference(d('2013-01-31'), monthly('2013-02-01', 12), 10000, 10000 * 0.08 * 30 / 365, 0.08, resets).payments);
  });
  it('a fixed first reset (RRF, RRNXT 10%) between two redemptions re-fixes the payment from the state at that time (spec STF_RRF_ANN)', () => {
    const ev = ann({ ...floating, cycleOfRateReset: 'P1YL1', cycleAnchorDateOfRateReset: '2013-06-15T00:00:00', nextResetRate: '0.1' }, market);
    // the fixing accompanies every date of the reset schedule, the RRF's too, after it (as PRF after RR)
    expect(ev.filter((e) => day(e.time) === '2013-06-15').map((e) => `${e.type} ${e.nominalInterestRate}`)).toEqual(['RRF 0.1', 'PRF 0.1']);
    expect(prf(ev)).toEqual(['2013-01-31', '2013-06-15', '2014-06-15']);
    const resets = [{ at: d('2013-06-15'), rate: 0.1 }, { at: d('2014-06-15'), rate: 0.03 }];
    expectPayments(ev, reference(d('2013-01-31'), monthly('2013-02-01', 24), 10000, 10000 * 0.08 * 30 / 365, 0.08, resets).payments);
  });
  // a reset in the interest-only period before the first redemption (PRANX 2013-06-01, IP monthly
  // from 2013-02-01) with the payment given, so no fixing the day before PRANX corrects it: the
  // IPs of 1 April and 1 May pay the interest to them, so the level payment amortizes Nt from the
  // last of them, 1 May, with nothing owed then (spec "Annuity Amount Function": n fully repaid)
  const interestOnly = {
    ...floating, maturityDate: '2014-01-01T00:00:00', nextPrincipalRedemptionPayment: '1500', cycleAnchorDateOfPrincipalRedemption: '2013-06-01T00:00:00',
    cycleOfInterestPayment: 'P1ML1', cycleAnchorDateOfInterestPayment: '2013-02-01T00:00:00', cycleOfRateReset: 'P1YL1', cycleAnchorDateOfRateReset: '2013-03-15T00:00:00',
  };
  const fromJune = monthly('2013-06-01', 8);
  it('a reset before the first redemption, interest paid in between (IP): the payment amortizes Nt from the last IP, not the interest it paid', () => {
    const ev = ann(interestOnly, R([['2013-01-01', 0.04]]));
    expect(prf(ev)).toEqual(['2013-03-15']);
    expect(ev.filter((e) => e.type === 'IP' && e.time < d('2013-06-01')).map((e) => day(e.time))).toEqual(['2013-02-01', '2013-03-01', '2013-04-01', '2013-05-01']);
    const { payments, fixings } = reference(d('2013-05-01'), fromJune, 10000, 0, 0.05);
    expectPayments(ev, payments);
    // 10,000 at 5% over 8 monthly payments from 1 June (first period from 1 May): about 1,273.72
    expect(fixings[0]).toBeCloseTo(1273.7243, 3);
  });
  it('a reset before the first redemption, interest capitalised in between (IPCI to IPCED 2013-04-15): the payment amortizes the capitalised Nt', () => {
    const ev = ann({ ...interestOnly, capitalizationEndDate: '2013-04-15T00:00:00' }, R([['2013-01-01', 0.04]]));
    expect(ev.filter((e) => e.type === 'IPCI').map((e) => day(e.time))).toEqual(['2013-02-01', '2013-03-01', '2013-04-01', '2013-04-15']);
    // by hand: 8% to the reset of 15 March, 5% after it
    let n = 10000 * (1 + 0.08 * 31 / 365);
    n *= 1 + 0.08 * 28 / 365;
    n += n * 0.08 * 14 / 365 + n * 0.05 * 17 / 365;
    n *= 1 + 0.05 * 14 / 365;
    const ipci = ev.filter((e) => e.type === 'IPCI');
    close(ipci.at(-1)!.notionalPrincipal, n);
    // the IP of 1 May pays the 16 days since IPCED, then the annuity runs from there
    close(ev.find((e) => e.type === 'IP' && day(e.time) === '2013-05-01')!.payoff, n * 0.05 * 16 / 365);
    expectPayments(ev, reference(d('2013-05-01'), fromJune, n, 0, 0.05).payments);
  });
  it('a given payment (PRNXT 900) holds until the first reset, which re-fixes it over the remaining schedule', () => {
    const ev = ann({ ...floating, maturityDate: '2014-01-01T00:00:00', nextPrincipalRedemptionPayment: '900', cycleOfRateReset: 'P6ML1', cycleAnchorDateOfRateReset: '2013-03-15T00:00:00' }, market);
    expect(prf(ev)).toEqual(['2013-03-15', '2013-09-15']);
    const resets = [{ at: d('2013-03-15'), rate: 0.04 }, { at: d('2013-09-15'), rate: 0.06 }];
    expectPayments(ev, reference(d('2013-01-01'), monthly('2013-02-01', 12), 10000, 0, 0.08, resets, 900).payments);
  });
});


// Spec "Schedule" (S = '-' short, '+' long last stub, written as the spec writes them), ANN
// functions (STF_RR_ANN: Prnxt = A(t, Md, Nt, Ipac, Ipnr) at every reset) and "Business Day
// Shift Convention"; every date below is written out by hand, the payments come from this file's
// solver (not annuity.ts).
describe('ANN audit: quarterly stubs at the end, resets on another cycle, resets inside the last stub, preceding shifts from month ends', () => {
  const R = (pts: [string, number][]): TimeSeriesObserver => new TimeSeriesObserver({ R: pts.map(([t, value]) => ({ time: d(t), value })) });
  // R + RRSP 1%: 4% before 1 June 2013, 6% from then on
  const market = R([['2013-01-01', 0.03], ['2013-06-01', 0.05]]);
  // IED 1 Jan 2013, PR quarterly from IED + 1Q = 1 April, Md 15 Feb 2014, 45 days after the cycle
  // date of 1 Jan 2014; resets monthly on the 15th from 15 May: 15 May 2013 ... 15 Jan 2014 (the
  // 15 Feb reset would be Md itself: S(s, c, T) with B = F leaves T out). The PRF of PRANX − 1
  // day, 31 March, carries the interest since the IED: 89 days
  const terms = {
    marketObjectCodeOfRateReset: 'R', rateSpread: '0.01', maturityDate: '2014-02-15T00:00:00',
    cycleOfRateReset: '1M-', cycleAnchorDateOfRateReset: '2013-05-15T00:00:00',
  };
  const resetDays = ['2013-05-15', '2013-06-15', '2013-07-15', '2013-08-15', '2013-09-15', '2013-10-15', '2013-11-15', '2013-12-15', '2014-01-15'];
  const resets = resetDays.map((t) => ({ at: d(t), rate: t === '2013-05-15' ? 0.04 : 0.06 }));
  const accrued = 10000 * 0.08 * 89 / 365;
  const prf = (ev: readonly ContractEvent[]): string[] => ev.filter((e) => e.type === 'PRF').map((e) => day(e.time));

  it("short last stub (1Q-): 1 Jan 2014 stays a PR date, Md 45 days later; a fixing with every monthly reset", () => {
    const ev = ann({ ...terms, cycleOfPrincipalRedemption: '1Q-' }, market);
    expect(prf(ev)).toEqual(['2013-03-31', ...resetDays]);
    const pr = ['2013-04-01', '2013-07-01', '2013-10-01', '2014-01-01', '2014-02-15'].map(d);
    expectPayments(ev, reference(d('2013-03-31'), pr, 10000, accrued, 0.08, resets).payments);
  });
  it('long last stub (1Q+): 1 Jan 2014 merges into a 137-day last period, inside which the January reset re-fixes the payment to all that is left', () => {
    const ev = ann({ ...terms, cycleOfPrincipalRedemption: '1Q+' }, market);
    const pr = ['2013-04-01', '2013-07-01', '2013-10-01', '2014-02-15'].map(d);
    const { payments, fixings } = reference(d('2013-03-31'), pr, 10000, accrued, 0.08, resets);
    expectPayments(ev, payments);
    // the resets of 15 Oct ... 15 Jan fall inside the last period: each fixes the one payment left,
    // Nt + Ipac + Nt·6%·Y(t, Md), and Md pays exactly that
    const left = payments[2].notional, last = left * (1 + 0.06 * 137 / 365);
    close(fixings.at(-1)!, last);
    const md = ev.at(-1)!, ip = ev.find((e) => e.type === 'IP' && e.time === md.time)!;
    close(md.payoff + ip.payoff, last);
  });
  it('the same contract with the L1/L0 forms of the dictionary gives the same events', () => {
    const strip = (ev: readonly ContractEvent[]) => ev.map((e) => [e.type, e.time, e.payoff, e.notionalPrincipal]);
    expect(strip(ann({ ...terms, cycleOfPrincipalRedemption: 'P3ML1', cycleOfRateReset: 'P1ML1' }, market))).toEqual(strip(ann({ ...terms, cycleOfPrincipalRedemption: '1Q-' }, market)));
    expect(strip(ann({ ...terms, cycleOfPrincipalRedemption: 'P3ML0', cycleOfRateReset: 'P1ML1' }, market))).toEqual(strip(ann({ ...terms, cycleOfPrincipalRedemption: '1Q+' }, market)));
  });

  // IED Thursday 31 Jan 2013, PRANX = IED + 1M = 28 Feb (clamped), a month end: EOM puts every PR
  // date on its month end, to Md Tuesday 31 Dec. Monday-to-Friday: 31 Mar and 30 Jun are Sundays,
  // 31 Aug and 30 Nov Saturdays, each moved back to the Friday before (29 Mar, 28 Jun, 30 Aug,
  // 29 Nov). The PRF on 27 Feb carries 27 days of interest.
  const monthEnds = ['2013-02-28', '2013-03-31', '2013-04-30', '2013-05-31', '2013-06-30', '2013-07-31', '2013-08-31', '2013-09-30', '2013-10-31', '2013-11-30', '2013-12-31'];
  const preceding = ['2013-02-28', '2013-03-29', '2013-04-30', '2013-05-31', '2013-06-28', '2013-07-31', '2013-08-30', '2013-09-30', '2013-10-31', '2013-11-29', '2013-12-31'];
  const eom = { initialExchangeDate: '2013-01-31T00:00:00', maturityDate: '2013-12-31T00:00:00', cycleOfPrincipalRedemption: '1M-', endOfMonthConvention: 'EOM', calendar: 'MF' };
  it('SCP from month ends: paid and calculated on the Friday before a weekend month end', () => {
    const ev = ann({ ...eom, businessDayConvention: 'SCP' });
    expect(prf(ev)).toEqual(['2013-02-27']);
    expectPayments(ev, reference(d('2013-02-27'), preceding.map(d), 10000, 10000 * 0.08 * 27 / 365, 0.08).payments);
  });
  it('CSP from month ends: calculated on the month ends, paid on the Friday before', () => {
    const ev = ann({ ...eom, businessDayConvention: 'CSP' });
    expectPayments(ev, reference(d('2013-02-27'), monthEnds.map(d), 10000, 10000 * 0.08 * 27 / 365, 0.08).payments, preceding);
  });
  it('SD from the same anchor keeps the 28th (the anchor day), so Md is a short stub of 3 days after 28 Dec', () => {
    const ev = ann({ ...eom, endOfMonthConvention: 'SD', businessDayConvention: 'NOS', calendar: 'NC' });
    expectPayments(ev, reference(d('2013-02-27'), [...monthly('2013-02-28', 11), d('2013-12-31')], 10000, 10000 * 0.08 * 27 / 365, 0.08).payments);
  });
});

// ---- properties ----

const iso = (t: number): string => new Date(t).toISOString().slice(0, 19);

/** PR/MD events with the PR + IP (MD + IP) total paid at their time; undefined when two fall on one day (a shift merged them). */
function totals(ev: readonly ContractEvent[]): { event: ContractEvent; total: number }[] | undefined {
  const pr = ev.filter((e) => e.type === 'PR' || e.type === 'MD');
  if (new Set(pr.map((e) => e.time)).size !== pr.length) return undefined;
  return pr.map((event) => ({ event, total: event.payoff + (ev.find((e) => e.type === 'IP' && e.time === event.time)?.payoff ?? 0) }));
}

// the acceptance check's strict tolerance, max(1e-6, 1e-9 |b|): near a zero rate the annuity's
// r / (1 - v^n) cancels, and the engine and this file's solver then part in the 8th digit
// (fast-check seed 1946492386: a fixed rate of 1.84e-9 gave 71.4285715 vs 71.42857142857143)
const relClose = (a: number, b: number): boolean => Math.abs(a - b) <= Math.max(1e-6, 1e-9 * Math.abs(b));

const schedules = fc.record({
  ied: fc.integer({ min: 0, max: 365 }),
  cycle: fc.constantFrom('P1ML0', 'P1ML1', 'P2ML1', 'P3ML0', 'P3ML1', 'P6ML1', 'P1YL0', 'P7DL1', 'P2WL0', 'P10DL1', 'P15DL0', '1Q-', '1Q+', '1W-', 'P1M15DL1', 'P1Y6ML0'),
  anchorOffset: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  span: fc.integer({ min: 1, max: 3000 }),
  eom: fc.constantFrom('SD', 'EOM'),
  dcc: fc.constantFrom('A365', 'A360', '30E360', 'AA'),
  bdc: fc.constantFrom('NOS', 'SCF', 'SCMF', 'CSF', 'CSMP'),
  rate: fc.double({ min: 0, max: 0.25, noNaN: true }),
  notional: fc.integer({ min: 1000, max: 10_000_000 }),
  role: fc.constantFrom('RPA', 'RPL'),
});

/** Terms of one random schedule: IED in 2013, the PR anchor (if any) after it, Md `span` days after the first PR date. */
function annTerms(g: { ied: number; cycle: string; anchorOffset?: number; span: number; eom: string; dcc: string; bdc: string; rate: number; notional: number; role: string }) {
  const ied = d('2013-01-01') + g.ied * DAY;
  const anchor = g.anchorOffset === undefined ? undefined : ied + g.anchorOffset * DAY;
  const firstPR = anchor ?? ied + 7 * DAY;
  const terms: Record<string, string> = {
    ...ANN_BASE, contractRole: g.role, statusDate: iso(ied - 2 * DAY), initialExchangeDate: iso(ied), maturityDate: iso(firstPR + g.span * DAY),
    cycleOfPrincipalRedemption: g.cycle, endOfMonthConvention: g.eom, dayCountConvention: g.dcc, businessDayConvention: g.bdc,
    calendar: g.bdc === 'NOS' ? 'NC' : 'MF', nominalInterestRate: String(g.rate), notionalPrincipal: String(g.notional),
  };
  if (anchor !== undefined) terms.cycleAnchorDateOfPrincipalRedemption = iso(anchor);
  return terms;
}

// A fixed seed: the suite gives the same verdict on every run (CI included); a counterexample a
// new seed finds becomes a case of its own (below), never a run that fails by chance.
const PROPERTY_SEED = 20261207;

describe('ANN properties (fast-check)', () => {
  // Found by seed 867142779: under CSF, PRANX on Sunday 22 Dec is paid Monday 23 Dec, and so is
  // its PRF, calculated on Saturday 21 Dec. Events at the same (payment) time run in the
  // dictionary's sequence (spec "Event Sequence": PR 3 before PRF 5), whatever their
  // calculation times, as the reference implementation orders them; the PRF's transition then
  // accrues from Sunday back to Saturday and Md pays about 1e-6 more than the annuity. That is
  // the standard's answer, so this case asserts it (docs/engine.md "Events paid the same day").
  it('a PRF calculated on the Saturday before a Sunday PRANX, both paid on Monday (CSF): PR runs before PRF (the sequence), and Md differs from the annuity by the backward accrual only', () => {
    const DAYS = (n: number) => n * DAY;
    const ied = d('2013-01-01') + DAYS(325);
    const terms = {
      ...ANN_BASE, contractRole: 'RPA', initialExchangeDate: iso(ied), statusDate: iso(ied + DAYS(2)), maturityDate: iso(ied + DAYS(32)),
      cycleOfPrincipalRedemption: 'P1ML0', cycleAnchorDateOfPrincipalRedemption: iso(ied + DAYS(30)), endOfMonthConvention: 'SD',
      dayCountConvention: 'A365', businessDayConvention: 'CSF', calendar: 'MF', nominalInterestRate: '0.002131649284173647',
      notionalPrincipal: '1011', cycleOfInterestPayment: 'P1ML0', capitalizationEndDate: iso(ied + DAYS(1)),
    };
    const events = computeEvents(terms);
    const monday = d('2013-12-23');
    const sameDay = events.filter((e) => e.time === monday).map((e) => e.type);
    expect(sameDay.indexOf('PR')).toBeGreaterThanOrEqual(0);
    expect(sameDay.indexOf('PR')).toBeLessThan(sameDay.indexOf('PRF'));
    const paid = totals(events)!;
    const annuity = paid[0].total;
    const md = paid.at(-1)!;
    expect(md.event.type).toBe('MD');
    for (const p of paid.slice(0, -1)) expect(relClose(p.total, annuity), `${day(p.event.time)} ${p.event.type}`).toBe(true);
    // the backward accrual: a day of interest on ~1011 at 0.2% (A365) is 5.9e-3; far less here
    expect(Math.abs(md.total - annuity)).toBeGreaterThan(0);
    expect(Math.abs(md.total - annuity)).toBeLessThan(1e-4);
  });

  it('without rate changes, every PR date and Md pay the same total (PR + IP): the notional reaches 0 exactly with the last annuity payment, whatever the stubs, cycles, EOM, day count or business-day shift', () => {
    fc.assert(
      fc.property(schedules, (g) => {
        const paid = totals(computeEvents(annTerms(g)));
        fc.pre(paid !== undefined);
        const a = paid![0].total;
        for (const p of paid!) expect(relClose(p.total, a), `${day(p.event.time)} ${p.event.type} ${p.total} vs ${a}`).toBe(true);
        expect(paid!.at(-1)!.event.type).toBe('MD');
        expect(paid!.at(-1)!.event.notionalPrincipal).toBe(0);
        expect(Math.sign(a)).toBe(g.role === 'RPA' ? 1 : -1);
      }),
      { numRuns: 150, seed: PROPERTY_SEED },
    );
  });

  it('with an interest-only period before PRANX (IP cycle, capitalisation to IPCED) and any status date, every PR and Md still pay the same total: interest paid or capitalised before the first PR is not in the annuity', () => {
    const interest = fc.record({
      // CS* conventions included: an IPCI calculated on Saturday and an IP calculated on Sunday are
      // both paid on Monday, in the order of their calculation times (seed 843881797)
      base: schedules.map((g) => ({ ...g, anchorOffset: g.anchorOffset ?? 30 })),
      ipCycle: fc.constantFrom('P1ML0', 'P1ML1', 'P2WL1', 'P15DL1', 'P3ML1'),
      ipAnchor: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }),
      ced: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      statusOffset: fc.oneof(fc.constant(-2), fc.integer({ min: -2, max: 500 })),
    });
    fc.assert(
      fc.property(interest, (g) => {
        const terms = annTerms(g.base);
        const ied = Date.parse(`${terms.initialExchangeDate}Z`), prAnchor = Date.parse(`${terms.cycleAnchorDateOfPrincipalRedemption}Z`);
        terms.cycleOfInterestPayment = g.ipCycle;
        if (g.ipAnchor !== undefined) terms.cycleAnchorDateOfInterestPayment = iso(ied + g.ipAnchor * DAY);
        // IPCED inside the interest-only period, a week before PRANX at least: at PRANX it would
        // capitalise the interest the first payment carries
        const cedDay = g.ced === undefined ? undefined : 1 + Math.floor(g.ced * ((prAnchor - ied) / DAY - 8));
        if (cedDay !== undefined && ied + cedDay * DAY < prAnchor - 7 * DAY) terms.capitalizationEndDate = iso(ied + cedDay * DAY);
        terms.statusDate = iso(ied + g.statusOffset * DAY);
        const paid = totals(computeEvents(terms));
        fc.pre(paid !== undefined && paid.length > 1);
        const a = paid![0].total;
        for (const p of paid!) expect(relClose(p.total, a), `${day(p.event.time)} ${p.event.type} ${p.total} vs ${a}`).toBe(true);
        expect(paid!.at(-1)!.event.notionalPrincipal).toBe(0);
      }),
      { numRuns: 500, seed: PROPERTY_SEED },
    );
  });

  it('after each re-fixing (PRF, RRF) the payment is the one that amortizes the remaining notional to 0 over the remaining PR dates, from the state at that time', () => {
    const resets = fc.record({
      // Md at least 400 days after the first PR date: the first reset (at most 400 days after the IED) comes before it
      base: schedules.map((g) => ({ ...g, dcc: 'A365', bdc: 'NOS', role: 'RPA', anchorOffset: g.anchorOffset ?? 30, span: Math.max(g.span, 400) })),
      rrCycle: fc.constantFrom('P1ML1', 'P3ML1', 'P6ML0', 'P1YL1', 'P20DL1', 'P5WL1'),
      rrOffset: fc.integer({ min: 1, max: 400 }),
      fixed: fc.option(fc.double({ min: 0, max: 0.2, noNaN: true }), { nil: undefined }),
      market: fc.array(fc.record({ day: fc.integer({ min: 0, max: 4000 }), value: fc.double({ min: -0.01, max: 0.15, noNaN: true }) }), { minLength: 1, maxLength: 6 }),
    });
    fc.assert(
      fc.property(resets, (g) => {
        const terms = annTerms(g.base);
        const ied = Date.parse(`${terms.initialExchangeDate}Z`);
        Object.assign(terms, { cycleOfRateReset: g.rrCycle, cycleAnchorDateOfRateReset: iso(ied + g.rrOffset * DAY), marketObjectCodeOfRateReset: 'R', rateSpread: '0.01' });
        if (g.fixed !== undefined) terms.nextResetRate = String(g.fixed);
        const observer = new TimeSeriesObserver({ R: [{ time: ied - DAY, value: 0.02 }, ...g.market.map((m) => ({ time: ied + m.day * DAY, value: m.value }))] });
        const ev = computeEvents(terms, { observer });
        const paid = totals(ev);
        fc.pre(paid !== undefined);
        const prTimes = paid!.map((p) => p.event.time);
        let fixings = 0;
        for (let k = 0; k < ev.length; k++) {
          const f = ev[k];
          if (f.type !== 'PRF' && f.type !== 'RRF') continue;
          fixings++;
          // two fixings at one time (the PRF the day before PRANX on the RRF's date, PRF first): the
          // later one holds (fast-check seed 646607814: the PRF's rate 0, then the RRF's 2.6e-8)
          if (ev.some((e, j) => j > k && e.time === f.time && (e.type === 'PRF' || e.type === 'RRF'))) continue;
          // the state the event left: Nt, Ipac and Ipnr at t+; the PR dates after it (a PR that day came first)
          const rest = prTimes.filter((t) => t > f.time);
          if (rest.length === 0) continue;
          const expected = solveAnnuity(f.time, rest, f.notionalPrincipal, f.accruedInterest, f.nominalInterestRate);
          const next = ev.find((e) => (e.type === 'PRF' || e.type === 'RRF' || e.type === 'RR') && e.time > f.time);
          for (const p of paid!) {
            if (p.event.time <= f.time || (next !== undefined && p.event.time > next.time)) continue;
            expect(relClose(p.total, expected), `${day(p.event.time)} after the fixing of ${day(f.time)}: ${p.total} vs ${expected}`).toBe(true);
          }
        }
        expect(fixings).toBeGreaterThan(0);
        expect(paid!.at(-1)!.event.notionalPrincipal).toBe(0);
      }),
      { numRuns: 100, seed: PROPERTY_SEED },
    );
  });
});
