// An in-memory StateStore with the same semantics as the Redis one (version guards, index
// maintenance): processors' unit tests run on it without Redis.
import { parseSeriesMember } from './redis-store.js';
import {
  timeMsOf,
  type Holding,
  type MarketSeries,
  type PublishedResult,
  type StateStore,
  type StateWrites,
  type StoredContract,
  type StoredPosition,
} from './model.js';

export class MemoryStateStore implements StateStore {
  readonly contractDocs = new Map<string, StoredContract>();
  /** code → time ms → member (as in Redis). */
  readonly seriesPoints = new Map<string, Map<number, string>>();
  readonly forward = new Map<string, Set<string>>();
  readonly reverse = new Map<string, Set<string>>();
  readonly publishedResults = new Map<string, PublishedResult>();
  readonly waiting = new Set<string>();
  readonly positionDocs = new Map<string, StoredPosition>();
  /** portfolio id → position id → holding (as the portfolio hashes in Redis). */
  readonly portfolios = new Map<string, Map<string, Holding>>();

  async contracts(ids: readonly string[]): Promise<Map<string, StoredContract>> {
    const out = new Map<string, StoredContract>();
    for (const id of ids) {
      const c = this.contractDocs.get(id);
      if (c) out.set(id, structuredClone(c));
    }
    return out;
  }

  async series(codes: readonly string[]): Promise<Map<string, MarketSeries>> {
    const out = new Map<string, MarketSeries>();
    for (const code of codes) {
      const s = this.seriesPoints.get(code);
      if (!s || s.size === 0) continue;
      const points = [...s.entries()].sort((a, b) => a[0] - b[0]).map(([t, m]) => parseSeriesMember(m, t));
      out.set(code, { code, points, version: Math.max(...points.map((p) => p.version)) });
    }
    return out;
  }

  async dependents(keys: readonly string[]): Promise<Map<string, string[]>> {
    return new Map(keys.map((k) => [k, [...(this.forward.get(k) ?? [])]]));
  }

  async dependenciesOfContracts(ids: readonly string[]): Promise<Map<string, string[]>> {
    return new Map(ids.map((k) => [k, [...(this.reverse.get(k) ?? [])]]));
  }

  async published(ids: readonly string[]): Promise<Map<string, PublishedResult>> {
    const out = new Map<string, PublishedResult>();
    for (const id of ids) {
      const p = this.publishedResults.get(id);
      if (p) out.set(id, { ...p });
    }
    return out;
  }

  async positions(ids: readonly string[]): Promise<Map<string, StoredPosition>> {
    const out = new Map<string, StoredPosition>();
    for (const id of ids) {
      const p = this.positionDocs.get(id);
      if (p) out.set(id, { ...p });
    }
    return out;
  }

  async holdings(portfolioIds: readonly string[]): Promise<Map<string, Holding[]>> {
    return new Map(portfolioIds.map((id) => [id, [...(this.portfolios.get(id)?.values() ?? [])].map((h) => ({ ...h }))]));
  }

  async waitingCount(): Promise<number> {
    return this.waiting.size;
  }

  async apply(w: StateWrites): Promise<void> {
    for (const c of w.contracts) {
      const cur = this.contractDocs.get(c.contractId);
      if (!cur || cur.version <= c.version) this.contractDocs.set(c.contractId, structuredClone(c));
    }
    for (const m of w.market) {
      const t = timeMsOf(m.observedAt);
      let s = this.seriesPoints.get(m.marketObjectCode);
      if (!s) this.seriesPoints.set(m.marketObjectCode, (s = new Map()));
      const cur = s.get(t);
      if (cur && parseSeriesMember(cur, t).version > m.version) continue; // equal: arrival order (redis-store SET_OBSERVATION)
      s.set(t, `${m.observedAt}|${m.version}|${m.deleted ? '' : String(m.value)}`);
    }
    for (const l of w.links) {
      for (const k of l.removed) this.forward.get(k)?.delete(l.contractId);
      for (const k of l.dependencies) {
        let set = this.forward.get(k);
        if (!set) this.forward.set(k, (set = new Set()));
        set.add(l.contractId);
      }
      this.reverse.set(l.contractId, new Set(l.dependencies));
    }
    for (const { position: x, previousPortfolioId } of w.positions) {
      const cur = this.positionDocs.get(x.positionId);
      if (cur && cur.version > x.version) continue; // equal: arrival order (redis-store SET_POSITION)
      if (previousPortfolioId !== null && previousPortfolioId !== x.portfolioId) this.portfolios.get(previousPortfolioId)?.delete(x.positionId);
      let members = this.portfolios.get(x.portfolioId);
      if (!members) this.portfolios.set(x.portfolioId, (members = new Map()));
      if (x.deleted) members.delete(x.positionId);
      else members.set(x.positionId, { positionId: x.positionId, contractId: x.contractId, quantity: x.quantity });
      this.positionDocs.set(x.positionId, { ...x });
    }
    for (const r of w.published) {
      this.publishedResults.set(r.contractId, { fingerprint: r.fingerprint, version: r.version, status: r.status });
      if (r.status === 'waiting') this.waiting.add(r.contractId);
      else this.waiting.delete(r.contractId);
    }
  }
}
