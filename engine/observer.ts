// Risk factor observer (spec "Risk Factor Observer" O(i, t)): the one interface through which
// market data and observed events reach the engine. The test beds' `dataObserved` /
// `eventsObserved` are one implementation; the pipeline implements it from its store.
import type { Instant } from './time/date.js';
import { parseDateTime } from './time/date.js';
import { InvalidMarketDataError, quoteValue } from './errors.js';

export interface ObservedEvent {
  readonly contractId?: string;
  readonly type: string;
  readonly time: Instant;
  readonly value: number;
  /** Raw states attached to the observation (e.g. a credit event's contract performance). */
  readonly states?: Readonly<Record<string, unknown>>;
}

export interface RiskFactorObserver {
  /** Value of market object `code` at `time`; undefined when the observer has nothing for it. */
  valueAt(code: string, time: Instant): number | undefined;
  /** Events observed for a contract (credit events, exercise decisions, prepayments...). */
  eventsObserved(contractId: string): readonly ObservedEvent[];
}

export interface TimeSeriesPoint {
  readonly time: Instant;
  readonly value: number;
}

/**
 * Observer over in-memory time series. The value at t is the last observation at or before
 * t; before the first observation, the first one (as the reference test runner does).
 */
export class TimeSeriesObserver implements RiskFactorObserver {
  private readonly series = new Map<string, { times: Float64Array; values: Float64Array }>();
  constructor(
    data: ReadonlyMap<string, readonly TimeSeriesPoint[]> | Record<string, readonly TimeSeriesPoint[]> = {},
    private readonly events: readonly ObservedEvent[] = [],
  ) {
    const entries = data instanceof Map ? [...data.entries()] : Object.entries(data);
    for (const [code, pts] of entries) {
      const sorted = [...pts].filter((p) => Number.isFinite(p.time) && Number.isFinite(p.value)).sort((a, b) => a.time - b.time);
      this.series.set(code, { times: Float64Array.from(sorted, (p) => p.time), values: Float64Array.from(sorted, (p) => p.value) });
    }
  }

  valueAt(code: string, time: Instant): number | undefined {
    const s = this.series.get(code);
    if (!s || s.times.length === 0) return undefined;
    const { times, values } = s;
    if (time < times[0]) return values[0];
    let lo = 0, hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= time) lo = mid;
      else hi = mid - 1;
    }
    return values[lo];
  }

  eventsObserved(contractId: string): readonly ObservedEvent[] {
    return this.events.filter((e) => e.contractId === undefined || e.contractId === contractId);
  }
}

/** An observer with no data at all. */
export const emptyObserver: RiskFactorObserver = { valueAt: () => undefined, eventsObserved: () => [] };

/**
 * The observations of one test bed series (`dataObserved.<key>.data`). Each must have a
 * date-time `timestamp` and a finite numeric `value` (a JSON number or a numeric string, as the
 * test beds write them): anything else is an InvalidMarketDataError naming the series and the
 * observation, never dropped. A dropped observation is not missing data: the value before it
 * would be used in its place, and with all of them dropped the error would say "no market data".
 */
function observedPoints(code: string, data: unknown): TimeSeriesPoint[] {
  const pts: TimeSeriesPoint[] = [];
  if (data === undefined || data === null) return pts;
  if (!Array.isArray(data)) throw new InvalidMarketDataError(`market data ${quoteValue(code)}: "data" is not an array of observations`);
  for (let i = 0; i < data.length; i++) {
    const p = data[i] as { timestamp?: unknown; value?: unknown } | null;
    const at = () => `market data ${quoteValue(code)}, observation ${i}${typeof p?.timestamp === 'string' ? ` (timestamp ${quoteValue(p.timestamp)})` : ''}`;
    if (!p || typeof p !== 'object') throw new InvalidMarketDataError(`${at()}: not an object with timestamp and value`);
    const t = typeof p.timestamp === 'string' ? parseDateTime(p.timestamp) : undefined;
    if (t === undefined) throw new InvalidMarketDataError(`${at()}: timestamp ${quoteValue(p.timestamp)} is not a date-time (want YYYY-MM-DDTHH:MM:SS)`);
    const raw = p.value;
    const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(v)) throw new InvalidMarketDataError(`${at()}: value ${quoteValue(raw)} is not a finite number`);
    pts.push({ time: t, value: v });
  }
  return pts;
}

/**
 * Builds an observer from a test bed case's `dataObserved` and `eventsObserved`. A case with
 * neither (most cases of a job) gets emptyObserver, which answers as an empty
 * TimeSeriesObserver does (no value, no events) without one built per case.
 */
export function observerFromTestBed(dataObserved: unknown, eventsObserved: unknown): RiskFactorObserver {
  const noEvents = eventsObserved === undefined || eventsObserved === null || (Array.isArray(eventsObserved) && eventsObserved.length === 0);
  if ((!dataObserved || typeof dataObserved !== 'object') && noEvents) return emptyObserver;
  const data = new Map<string, TimeSeriesPoint[]>();
  if (dataObserved && typeof dataObserved === 'object') {
    for (const [key, entry] of Object.entries(dataObserved as Record<string, unknown>)) {
      const e = entry as { identifier?: unknown; data?: unknown };
      const code = typeof e?.identifier === 'string' ? e.identifier : key;
      data.set(code, observedPoints(code, e?.data));
    }
  }
  const events: ObservedEvent[] = [];
  if (eventsObserved !== undefined && eventsObserved !== null) {
    if (!Array.isArray(eventsObserved)) throw new InvalidMarketDataError('"eventsObserved" is not an array of observed events');
    for (let i = 0; i < eventsObserved.length; i++) events.push(observedEvent(eventsObserved[i], i));
  }
  return new TimeSeriesObserver(data, events);
}

/**
 * One test bed observed event (`{time, type, value, contractId?, states?}`): a date-time `time`,
 * an event `type` and a finite `value` (a missing value is 0, the test beds' XD and AD carry
 * one). Anything else is an InvalidMarketDataError naming the event: skipping it, or reading a
 * bad value as 0, would compute the contract as if the event had not happened.
 */
function observedEvent(raw: unknown, i: number): ObservedEvent {
  const o = raw as Record<string, unknown> | null;
  const at = () => `observed event ${i}${typeof o?.time === 'string' ? ` (time ${quoteValue(o.time)})` : ''}`;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new InvalidMarketDataError(`${at()}: not an object with time, type and value`);
  const t = typeof o.time === 'string' ? parseDateTime(o.time) : undefined;
  if (t === undefined) throw new InvalidMarketDataError(`${at()}: time ${quoteValue(o.time)} is not a date-time (want YYYY-MM-DDTHH:MM:SS)`);
  if (typeof o.type !== 'string' || o.type.trim() === '') throw new InvalidMarketDataError(`${at()}: type ${quoteValue(o.type)} is not an event type`);
  const value = o.value;
  const v = value === undefined || value === null ? 0 : typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(v)) throw new InvalidMarketDataError(`${at()}: value ${quoteValue(value)} is not a finite number`);
  if (o.states !== undefined && o.states !== null && (typeof o.states !== 'object' || Array.isArray(o.states)))
    throw new InvalidMarketDataError(`${at()}: states ${quoteValue(o.states)} is not an object`);
  return {
    contractId: typeof o.contractId === 'string' ? o.contractId : undefined,
    type: o.type.trim(),
    time: t,
    value: v,
    states: o.states ? (o.states as Record<string, unknown>) : undefined,
  };
}

