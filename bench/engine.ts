// `cashflow bench engine`: the synthetic book (bench/README.md "cashflow bench engine"),
// computed once to warm up and once measured, on one thread. The book is built in memory as
// validated, typed contracts (raw string terms parsed once, as the pipeline keeps them in its
// state store); the passes compute every contract's full schedule, payoffs and states. Parsing
// and validation throughput is measured and logged separately.
import { prepareContract, evaluate, type PreparedContract } from '../engine/engine.js';
import { emptyObserver, TimeSeriesObserver, type RiskFactorObserver } from '../engine/observer.js';
import type { TestBedCase } from '../engine/testbed.js';

export type BenchType = 'PAM' | 'ANN' | 'LAM' | 'NAM' | 'SWPPV';
export const BENCH_TYPES: readonly BenchType[] = ['PAM', 'ANN', 'LAM', 'NAM', 'SWPPV'];

/** SWPPV: the floating leg's one market object code, observed at a flat rate. */
export const SWPPV_RATE_CODE = 'USD_LIBOR_3M';
const swppvObserver = new TimeSeriesObserver({ [SWPPV_RATE_CODE]: [{ time: Date.UTC(2000, 0, 1), value: 0.03 }] });

export interface BenchResult {
  type: string;
  contracts: number;
  events: number;
  seconds: number;
  contractsPerSecond: number;
  eventsPerSecond: number;
  peakRssMb: number;
  /** CPU seconds of the measured pass (user + system): on a shared, loaded machine the wall clock overstates. */
  cpuSeconds?: number;
}

function iso(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00`;
}

/**
 * The API's heaviest plausible case (docs/api.md, limits): a PAM paying interest monthly
 * from 2015 to 9999-12-31, 95,846 events, 16 MB of JSON answered.
 */
export function farMaturityCase(i: number): TestBedCase {
  return {
    terms: {
      contractType: 'PAM',
      contractID: `far-${i}`,
      contractRole: 'RPA',
      currency: 'USD',
      statusDate: '2015-01-01T00:00:00',
      initialExchangeDate: '2015-01-15T00:00:00',
      maturityDate: '9999-12-31T00:00:00',
      notionalPrincipal: '1000',
      nominalInterestRate: '0.05',
      dayCountConvention: 'A365',
      cycleOfInterestPayment: 'P1ML0',
      cycleAnchorDateOfInterestPayment: '2015-01-15T00:00:00',
    },
  };
}

/** Contract i of the book, as raw terms the way the test beds and the pipeline give them. */
export function bookContract(type: BenchType, i: number): Record<string, string> {
  const m = 1 + (i % 12);
  const y = 2015 + (i % 10);
  const ied = iso(y, m, 15);
  const t: Record<string, string> = {
    contractType: type,
    contractID: `${type.toLowerCase()}-${i}`,
    statusDate: iso(y, m, 1),
    contractDealDate: iso(y, m, 1),
    initialExchangeDate: ied,
    maturityDate: iso(y + 10, m, 15),
    notionalPrincipal: String(100000 + i),
    nominalInterestRate: '0.05',
    cycleOfInterestPayment: 'P3ML0',
    cycleAnchorDateOfInterestPayment: ied,
    dayCountConvention: 'A365',
    contractRole: 'RPA',
    currency: 'USD',
  };
  if (type === 'SWPPV') {
    // fixed leg at 5% (nominalInterestRate), floating leg resetting quarterly on one code
    t.contractRole = 'RF';
    t.nominalInterestRate2 = '0.03';
    t.cycleOfRateReset = 'P3ML0';
    t.cycleAnchorDateOfRateReset = ied;
    t.marketObjectCodeOfRateReset = SWPPV_RATE_CODE;
    t.rateSpread = '0';
  } else if (type !== 'PAM') {
    t.cycleOfPrincipalRedemption = 'P3ML0';
    // LAM: anchored at the IED; ANN and NAM: IED + one cycle, or the annuity fixed before any
    // principal is outstanding would be 0 (bench/README.md)
    t.cycleAnchorDateOfPrincipalRedemption = type === 'LAM' ? ied : iso(m + 3 > 12 ? y + 1 : y, ((m + 2) % 12) + 1, 15);
    if (type === 'LAM') t.nextPrincipalRedemptionPayment = String(2500 + Math.floor(i / 100));
  }
  return t;
}

function pass(book: readonly PreparedContract[], observer: RiskFactorObserver = emptyObserver): number {
  let events = 0;
  const options = { observer };
  for (let i = 0; i < book.length; i++) events += evaluate(book[i], options).length;
  return events;
}

export function runEngineBench(type: BenchType, contracts: number, log: (s: string) => void = () => {}): BenchResult {
  const raw = Array.from({ length: contracts }, (_, i) => bookContract(type, i));
  const p0 = performance.now();
  const book = raw.map((r) => prepareContract(r));
  const parseSeconds = (performance.now() - p0) / 1000;
  raw.length = 0;
  log(`book: ${contracts} ${type} contracts parsed and validated in ${parseSeconds.toFixed(2)} s (${Math.round(contracts / parseSeconds)} contracts/s); warm-up pass...`);
  const w0 = performance.now();
  const observer = type === 'SWPPV' ? swppvObserver : emptyObserver;
  pass(book, observer);
  log(`warm-up: ${((performance.now() - w0) / 1000).toFixed(2)} s; measured pass...`);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const events = pass(book, observer);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  return {
    type,
    contracts,
    events,
    seconds: Math.round(seconds * 1000) / 1000,
    contractsPerSecond: Math.round(contracts / seconds),
    eventsPerSecond: Math.round(events / seconds),
    peakRssMb,
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
  };
}
