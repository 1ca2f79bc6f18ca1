// Results cache in Redis: case cache key (api/compute.ts caseCacheKey: normalised terms +
// market data + observed events + horizon) → the case's result JSON, with a TTL. One MGET per
// request for all its cases and one pipeline of SETs for the misses. Redis unreachable → every
// case is computed (the cache is an optimisation, never a dependency).
import type { Redis } from 'ioredis';
import type { ApiMetrics } from './metrics.js';

/**
 * Bump when the meaning of a cached result changes (engine output format, or what the engine
 * accepts: v2 refuses unknown term names, values outside the dictionary's ranges and market
 * data that is not a number, which v1 computed; such a v1 result must not be served).
 */
const CACHE_VERSION = 'v2';

export const cacheKey = (hash: string) => `api:cache:${CACHE_VERSION}:${hash}`;

export class ResultsCache {
  constructor(
    private readonly redis: () => Redis | undefined,
    private readonly ttlSeconds: number,
    private readonly metrics: ApiMetrics,
  ) {}

  /** False when lookups would all be bypassed (no TTL, or Redis unreachable): no keys needed. */
  get available(): boolean {
    return this.ttlSeconds > 0 && this.redis() !== undefined;
  }

  /** `count` lookups bypassed, as getMany counts them when there is no cache to ask. */
  bypass(count: number): undefined[] {
    this.metrics.cacheLookups.inc({ result: 'bypass' }, count);
    return new Array<undefined>(count).fill(undefined);
  }

  /** Cached results in the order of `hashes` (undefined: miss or no cache). */
  async getMany(hashes: readonly string[]): Promise<(string | undefined)[]> {
    const redis = this.ttlSeconds > 0 ? this.redis() : undefined;
    if (!redis || hashes.length === 0) return this.bypass(hashes.length);
    try {
      const values = await redis.mget(hashes.map(cacheKey));
      let hits = 0;
      const out = values.map((v) => (v === null ? undefined : (hits++, v)));
      if (hits) this.metrics.cacheLookups.inc({ result: 'hit' }, hits);
      if (hashes.length - hits) this.metrics.cacheLookups.inc({ result: 'miss' }, hashes.length - hits);
      return out;
    } catch {
      return this.bypass(hashes.length);
    }
  }

  /** Stores results; failures are ignored (next time they are computed again). */
  async setMany(entries: readonly [hash: string, resultJson: string][]): Promise<void> {
    const redis = this.ttlSeconds > 0 ? this.redis() : undefined;
    if (!redis || entries.length === 0) return;
    const pipe = redis.pipeline();
    for (const [hash, json] of entries) pipe.set(cacheKey(hash), json, 'EX', this.ttlSeconds);
    await pipe.exec().catch(() => undefined);
  }
}
