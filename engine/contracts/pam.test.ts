import { describe, it, expect } from 'vitest';
import { computeEvents, contextOf, prepareContract } from '../engine.js';
import { StateSpace } from '../states.js';
import { accrueFee } from './common.js';
import { TimeSeriesObserver } from '../observer.js';
import { parseDateTime, formatDateTime } from '../time/date.js';
import { ComputationError } from '../errors.js';

const pam = {
  contractType: 'PAM', contractID: 'p', contractRole: 'RPA', currency: 'USD', statusDate: '2015-01-01T00:00:00',
  initialExchangeDate: '2015-01-15T00:00:00', maturityDate: '2025-01-15T00:00:00', notionalPrincipal: '100000',
  nominalInterestRate: '0.05', dayCountConvention: 'A365', cycleAnchorDateOfInterestPayment: '2015-01-15T00:00:00', cycleOfInterestPayment: 'P3ML0',
};

describe('PAM', () => {
  it('a 10-year quarterly PAM anchored at the IED has 43 events: IED, IP 0 at the IED, 40 IP, MD (bench/README.md)', () => {
    const ev = computeEvents(pam);
    expect(ev).toHaveLength(43);
    expect(ev.slice(0, 2).map((e) => [e.type, e.payoff])).toEqual([['IED', -100000], ['IP', 0]]);
    expect(ev.at(-1)).toMatchObject({ type: 'MD', payoff: 100000, notionalPrincipal: 0 });
  });
  it('the payer role (RPL) flips every sign', () => {
    const a = computeEvents(pam), b = computeEvents({ ...pam, contractRole: 'RPL' });
    expect(b.map((e) => e.payoff)).toEqual(a.map((e) => -e.payoff || 0));
  });
  it('a rate reset applies spread, multiplier and caps to the observed rate', () => {
    const observer = new TimeSeriesObserver({ R: [{ time: parseDateTime('2015-01-01')!, value: 0.1 }] });
    const ev = computeEvents({ ...pam, cycleOfRateReset: 'P1YL1', marketObjectCodeOfRateReset: 'R', rateSpread: '0.01', rateMultiplier: '2', lifeCap: '0.15' }, { observer });
    const rr = ev.find((e) => e.type === 'RR')!;
    expect(formatDateTime(rr.time)).toBe('2016-01-15T00:00:00');
    expect(rr.nominalInterestRate).toBeCloseTo(0.15, 12);
  });
  it('missing market data for a reset is a typed ComputationError', () => {
    expect(() => computeEvents({ ...pam, cycleOfRateReset: 'P1YL1', marketObjectCodeOfRateReset: 'R' })).toThrow(ComputationError);
  });
  it('`to` is the schedule horizon', () => {
    expect(computeEvents(pam, { to: parseDateTime('2016-01-15T00:00:00') })).toHaveLength(6);
  });
});

describe('PAM: prepayments, penalties, fees, fixing (spec PAM schedule and functions)', () => {
  const at = (s: string) => parseDateTime(s)!;
  const pp = (time: string, value: number) => ({ contractId: 'p', type: 'PP', time: at(time), value });
  const find = <E extends { type: string; time: number }>(ev: E[], type: string, time: string) => ev.find((e) => e.type === type && e.time === at(time));

  it('PP at an observed prepayment (PPEF ≠ N): POF_PP_PAM pays it, STF_PP_PAM lowers Nt, later interest and MD follow', () => {
    const observer = new TimeSeriesObserver({}, [pp('2017-03-01T00:00:00', 20000)]);
    const ev = computeEvents({ ...pam, prepaymentEffect: 'A' }, { observer });
    const p = find(ev, 'PP', '2017-03-01T00:00:00')!;
    expect(p).toMatchObject({ payoff: 20000, notionalPrincipal: 80000 });
    expect(ev.at(-1)).toMatchObject({ type: 'MD', payoff: 80000 });
    // the IP after the prepayment: 45 days on 100000 (accrued at PP) + 45 days on 80000
    const ip = find(ev, 'IP', '2017-04-15T00:00:00')!;
    expect(ip.payoff).toBeCloseTo(((45 * 100000 + 45 * 80000) / 365) * 0.05, 9);
  });
  it('without PPEF (default N) observed prepayments are not events', () => {
    const observer = new TimeSeriesObserver({}, [pp('2017-03-01T00:00:00', 20000)]);
    expect(computeEvents(pam, { observer }).some((e) => e.type === 'PP')).toBe(false);
  });
  it('PP on the optionality cycle S(OPANX, OPCL, MD) pays 0 where nothing is observed', () => {
    const ev = computeEvents({ ...pam, prepaymentEffect: 'M', cycleAnchorDateOfOptionality: '2016-01-15T00:00:00', cycleOfOptionality: 'P1YL1' });
    const pps = ev.filter((e) => e.type === 'PP');
    expect(pps.map((e) => formatDateTime(e.time))).toEqual(['2016', '2017', '2018', '2019', '2020', '2021', '2022', '2023', '2024'].map((y) => `${y}-01-15T00:00:00`));
    expect(pps.every((e) => e.payoff === 0 && e.notionalPrincipal === 100000)).toBe(true);
  });
  it('PY before PP on the day (POF_PY_PAM): A = R·PYRT, R = R·Y(Sd,t)·Nt·PYRT, I = R·Y(Sd,t)·Nt·max(0, Ipnr − O(RRMO,t))', () => {
    const events = [pp('2017-03-01T00:00:00', 20000)];
    const a = computeEvents({ ...pam, prepaymentEffect: 'A', penaltyType: 'A', penaltyRate: '500' }, { observer: new TimeSeriesObserver({}, events) });
    const i = a.findIndex((e) => e.type === 'PY');
    expect(a[i]).toMatchObject({ payoff: 500, notionalPrincipal: 100000 });
    expect(a[i + 1].type).toBe('PP');
    const y = 45 / 365; // since the IP of 2017-01-15
    const r = computeEvents({ ...pam, contractRole: 'RPL', prepaymentEffect: 'A', penaltyType: 'R', penaltyRate: '0.01' }, { observer: new TimeSeriesObserver({}, events) });
    expect(r.find((e) => e.type === 'PY')!.payoff).toBeCloseTo(-1 * y * -100000 * 0.01, 9);
    const observer = new TimeSeriesObserver({ R: [{ time: at('2015-01-01T00:00:00'), value: 0.03 }] }, events);
    const d = computeEvents({ ...pam, prepaymentEffect: 'A', penaltyType: 'I', marketObjectCodeOfRateReset: 'R' }, { observer });
    expect(d.find((e) => e.type === 'PY')!.payoff).toBeCloseTo(y * 100000 * 0.02, 9);
  });
  it('penaltyType I without marketObjectCodeOfRateReset is an invalid term', () => {
    expect(() => computeEvents({ ...pam, prepaymentEffect: 'A', penaltyType: 'I' })).toThrow(/marketObjectCodeOfRateReset/);
  });
  it('fee basis A accrues the elapsed share of the fee period, R·FER (STF Feac, FEB = A); paid at FP, at MD nothing twice', () => {
    const terms = { ...pam, feeRate: '400', feeBasis: 'A', cycleAnchorDateOfFee: '2016-01-15T00:00:00', cycleOfFee: 'P1YL1' };
    const ctx = contextOf(prepareContract(terms));
    const s = new StateSpace();
    s.statusDate = at('2016-01-15T00:00:00');
    s.notionalPrincipal = 100000;
    accrueFee(ctx.event(at('2016-04-15T00:00:00'), 'AD'), s, ctx);
    expect(s.feeAccrued).toBeCloseTo((91 / 366) * 400, 9);
    const ev = computeEvents(terms);
    expect(ev.filter((e) => e.type === 'FP').every((e) => e.payoff === 400)).toBe(true);
    expect(ev.at(-1)).toMatchObject({ type: 'MD', payoff: 100000 });
  });
  it('Feac at the status date accrues from the last fee date (spec PAM states): the first FP pays the whole period', () => {
    const terms = { ...pam, statusDate: '2016-06-01T00:00:00', feeRate: '0.01', feeBasis: 'N', cycleAnchorDateOfFee: '2016-01-15T00:00:00', cycleOfFee: 'P1YL1' };
    const fp = computeEvents(terms).find((e) => e.type === 'FP')!;
    expect(formatDateTime(fp.time)).toBe('2017-01-15T00:00:00');
    expect(fp.payoff).toBeCloseTo((366 / 365) * 100000 * 0.01, 9);
    // a given FEAC wins
    expect(computeEvents({ ...terms, feeAccrued: '7' }).find((e) => e.type === 'FP')!.payoff).toBeCloseTo((228 / 365) * 100000 * 0.01 + 7, 9);
  });
  it('fixingPeriod does not move the reset observation: the rate of the reset date applies, as the test beds have it (lam14, nam13)', () => {
    const observer = new TimeSeriesObserver({ R: [{ time: at('2015-01-01T00:00:00'), value: 0.01 }, { time: at('2016-01-15T00:00:00'), value: 0.02 }] });
    const ev = computeEvents({ ...pam, cycleOfRateReset: 'P1YL1', marketObjectCodeOfRateReset: 'R', fixingPeriod: 'P2D' }, { observer });
    expect(ev.find((e) => e.type === 'RR')!.nominalInterestRate).toBe(0.02);
  });
});
