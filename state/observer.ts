// The engine's RiskFactorObserver over the store: the series of a contract's dependencies and
// its observed events (the same observer a direct engine computation would build).
import { dependenciesOf, parseDateTime, TimeSeriesObserver, type ObservedEvent, type RiskFactorObserver, type TimeSeriesPoint } from '../engine/index.js';
import { liveEvents, type MarketSeries, type StoredContract } from './model.js';

// Pure caches keyed by the objects a batch read from the store: they live exactly as long as
// that batch's series (WeakMap), hold nothing the store does not, and are safe to lose.
// Parsing every point's date and building the observer once per contract had cost more than
// the engine's computation of the contract (3,000 contracts on one series of 250 points).
const pointsCache = new WeakMap<MarketSeries, TimeSeriesPoint[]>();
const sharedObservers = new WeakMap<ReadonlyMap<string, MarketSeries>, Map<string, RiskFactorObserver>>();

/** Points of a series without its deletion markers, as the engine reads them. */
export function seriesPoints(s: MarketSeries): TimeSeriesPoint[] {
  let cached = pointsCache.get(s);
  if (!cached) pointsCache.set(s, (cached = parseSeriesPoints(s)));
  return cached;
}

function parseSeriesPoints(s: MarketSeries): TimeSeriesPoint[] {
  const out: TimeSeriesPoint[] = [];
  for (const p of s.points) {
    if (p.value === null) continue;
    const time = parseDateTime(p.observedAt);
    if (time !== undefined) out.push({ time, value: p.value });
  }
  return out;
}

/** Observed events of a stored contract in the engine's form. */
export function engineEvents(c: StoredContract): ObservedEvent[] {
  const out: ObservedEvent[] = [];
  for (const e of liveEvents(c)) {
    const time = parseDateTime(e.observedAt);
    if (time === undefined) continue;
    let states: Record<string, unknown> | undefined;
    if (e.states) {
      try {
        const parsed = JSON.parse(e.states) as unknown;
        if (parsed && typeof parsed === 'object') states = parsed as Record<string, unknown>;
      } catch {
        states = undefined; // validated at ingest; a bad one is ignored rather than fatal here
      }
    }
    out.push({ contractId: c.contractId, type: e.eventType, time, value: e.value ?? 0, states });
  }
  return out;
}

/** The observer for one contract from the series of its dependencies (codes absent from `series` have no data). */
export function observerFor(contract: StoredContract, series: ReadonlyMap<string, MarketSeries>, dependencies: Iterable<string>): RiskFactorObserver {
  const events = engineEvents(contract);
  const deps = [...dependencies];
  const build = () => {
    const data = new Map<string, TimeSeriesPoint[]>();
    for (const code of deps) {
      const s = series.get(code);
      if (s) data.set(code, seriesPoints(s));
    }
    return new TimeSeriesObserver(data, events);
  };
  if (events.length > 0) return build();
  // Without observed events the observer depends only on the series of the dependencies: one
  // per dependency set and series map (a TimeSeriesObserver is immutable once built).
  let byDeps = sharedObservers.get(series);
  if (!byDeps) sharedObservers.set(series, (byDeps = new Map()));
  const key = deps.join('\u0000');
  let observer = byDeps.get(key);
  if (!observer) byDeps.set(key, (observer = build()));
  return observer;
}

/** The dependency keys (market object codes, referenced contract ids) of stored terms; none for deleted contracts. */
export function dependencyKeys(terms: string, deleted: boolean): string[] {
  if (deleted || terms === '') return [];
  return [...dependenciesOf(JSON.parse(terms) as Parameters<typeof dependenciesOf>[0])].sort();
}
