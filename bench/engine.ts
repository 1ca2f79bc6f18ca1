// `cashflow bench engine`: the synthetic book (bench/README.md "cashflow bench engine"),
// computed once to warm up and once measured, on one thread. The book is built in memory as
// validated, typed contracts (raw string terms parsed once, as the pipeline keeps them in its
// state store); the passes compute every contract's full schedule, payoffs and states. Parsing
// and validation throughput is measured and logged separately.
import { prepareContract, evaluate, type PreparedContract } from '../engine/index.js';
import { emptyObserver, TimeSeriesObserver, type RiskFactorObserver } from '../engine/index.js';
import { bookContract, SWPPV_RATE_CODE, type BenchType } from '../demo/synthetic-book.js';

export { BENCH_TYPES, bookContract, farMaturityCase, SWPPV_RATE_CODE, type BenchType } from '../demo/synthetic-book.js';

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
