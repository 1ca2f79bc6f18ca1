// What the pipeline keeps in Redis (docs/architecture.md "Redis state"): a rebuildable cache of the compacted
// topics, never the only copy. Plain data and the store interfaces; the Redis adapter is
// state/redis-store.ts, an in-memory twin for unit tests is state/memory-store.ts.
import type { CashflowStatus } from '../schemas/types.js';

/** An observed event of a contract (credit event, exercise decision) with its own version. */
export interface StoredObservedEvent {
  eventType: string;
  observedAt: string;
  value: number | null;
  /** JSON text. */
  states: string | null;
  /** Source position of the change that wrote it. */
  version: number;
  /** Its exact order key (processors/cdc.ts SourceOrder); absent in state rebuilt from topics. */
  order?: string;
  /** A deletion marker: kept so that a replayed older insert cannot bring it back. */
  deleted: boolean;
}

/**
 * A contract as the pipeline knows it: the latest terms and its observed events. Terms and
 * events arrive on different CDC topics, in no guaranteed order between them, so each part
 * carries its own version and the record's version is the highest of them.
 */
export interface StoredContract {
  contractId: string;
  contractType: string;
  /** ACTUS terms as JSON text; '' while only observed events are known. */
  terms: string;
  termsVersion: number;
  /** Exact order key of the change that wrote the terms (processors/cdc.ts SourceOrder); absent in state rebuilt from topics. */
  termsOrder?: string;
  /** The contract row was deleted (or never seen: terms ''). */
  deleted: boolean;
  updatedAt: string | null;
  sourceTsMs: number;
  /** Keyed by `<eventType>|<observedAt>`. */
  events: Record<string, StoredObservedEvent>;
  /** max(termsVersion, every event's version). */
  version: number;
}

/** One point of a market data series (deleted points are kept as markers, value null). */
export interface SeriesPoint {
  observedAt: string;
  /** Milliseconds since the epoch (UTC reading of the local date-time): the sort key. */
  timeMs: number;
  value: number | null;
  version: number;
}

export interface MarketSeries {
  code: string;
  /** In time order, deletion markers included. */
  points: SeriesPoint[];
  /** Highest version of any change to the series (deletions too): results use it. */
  version: number;
}

/** A change of one market observation (upsert, or delete when `deleted`). */
export interface MarketChange {
  marketObjectCode: string;
  observedAt: string;
  value: number;
  version: number;
  deleted: boolean;
}

/**
 * A position (a row of the positions table) as the pipeline knows it. A deleted one is kept as
 * a marker, so that a replayed older insert cannot bring it back.
 */
export interface StoredPosition {
  positionId: string;
  portfolioId: string;
  contractId: string;
  quantity: number;
  /** Source position of the change that wrote it. */
  version: number;
  /** Its exact order key (processors/cdc.ts SourceOrder); absent in state rebuilt from topics. */
  order?: string;
  sourceTsMs: number;
  deleted: boolean;
}

/**
 * A position's write: the new record, and the portfolio it was in before (null when it was in
 * none), from which it is removed when it moved or was deleted.
 */
export interface PositionWrite {
  position: StoredPosition;
  previousPortfolioId: string | null;
}

/** One holding of a portfolio: a live position. */
export interface Holding {
  positionId: string;
  contractId: string;
  quantity: number;
}

/** The distinct contracts of some holdings, in first-seen order. */
export function heldContracts(holdings: readonly Holding[]): string[] {
  return [...new Set(holdings.map((h) => h.contractId))];
}

/** What the calculator last published for a contract (invariant 4). */
export interface PublishedResult {
  fingerprint: string | null;
  version: number;
  status: CashflowStatus;
}

/** A contract's links in the dependency index after a terms change. */
export interface DependencyLinks {
  contractId: string;
  /** The complete new set (market object codes and referenced contract ids). */
  dependencies: string[];
  /** Keys it no longer depends on (unlinked from the forward index). */
  removed: string[];
}

/**
 * State writes of one batch, applied by the runner in one round trip. Every write is
 * idempotent (version-guarded or set-valued), so a batch retried after a crash may apply them
 * again safely.
 */
export interface StateWrites {
  contracts: StoredContract[];
  market: MarketChange[];
  links: DependencyLinks[];
  published: (PublishedResult & { contractId: string })[];
  positions: PositionWrite[];
}

export function emptyWrites(): StateWrites {
  return { contracts: [], market: [], links: [], published: [], positions: [] };
}

export function hasWrites(w: StateWrites): boolean {
  return w.contracts.length + w.market.length + w.links.length + w.published.length + w.positions.length > 0;
}

/** Reads of the state; every call is one round trip for the whole list. */
export interface StateReader {
  contracts(ids: readonly string[]): Promise<Map<string, StoredContract>>;
  series(codes: readonly string[]): Promise<Map<string, MarketSeries>>;
  /** Forward index: key (market object code or contract id) → contracts depending on it. */
  dependents(keys: readonly string[]): Promise<Map<string, string[]>>;
  /** Reverse index: contract → the keys it depends on. */
  dependenciesOfContracts(ids: readonly string[]): Promise<Map<string, string[]>>;
  published(ids: readonly string[]): Promise<Map<string, PublishedResult>>;
  positions(ids: readonly string[]): Promise<Map<string, StoredPosition>>;
  /** Portfolio membership: portfolio id → its live positions (an unknown portfolio: none). */
  holdings(portfolioIds: readonly string[]): Promise<Map<string, Holding[]>>;
}

export interface StateStore extends StateReader {
  /** A store that checks the readiness marker returns the marker it read after the writes. */
  apply(writes: StateWrites): Promise<string | void>;
  /** Number of contracts whose last published status is `waiting`. */
  waitingCount(): Promise<number>;
  /**
   * Throws StateLostError (state/readiness.ts) unless the state is complete and its marker is
   * still `since` (what apply() returned); stores without a marker (the in-memory twin) leave
   * it out.
   */
  confirmReady?(since?: string): Promise<void>;
}

/** `<eventType>|<observedAt>`: one observed event per type and time (the table's key). */
export function observedEventKey(eventType: string, observedAt: string): string {
  return `${eventType}|${observedAt}`;
}

/** Milliseconds of a local date-time `YYYY-MM-DDTHH:MM[:SS[.fff]]` read as UTC. */
export function timeMsOf(observedAt: string): number {
  const ms = Date.parse(observedAt.endsWith('Z') ? observedAt : `${observedAt}Z`);
  if (!Number.isFinite(ms)) throw new RangeError(`not a date-time: "${observedAt}"`);
  return ms;
}

/** The live observed events of a contract, in time order. */
export function liveEvents(c: StoredContract): StoredObservedEvent[] {
  return Object.values(c.events)
    .filter((e) => !e.deleted)
    .sort((a, b) => (a.observedAt < b.observedAt ? -1 : a.observedAt > b.observedAt ? 1 : a.eventType.localeCompare(b.eventType)));
}
