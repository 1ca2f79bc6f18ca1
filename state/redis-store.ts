// The state store over ioredis. Every key lives under the client's key prefix (default
// `cashflow:`; tests use their own), so several pipelines can share one Redis.
//
//   contract:<id>        hash  v = version, d = StoredContract as JSON
//   series:<code>        zset  score = observed time (ms), member `<observedAt>|<version>|<value>`
//                              (empty value = deletion marker)
//   dependents:<key>     set   contract ids whose result depends on the market object code or
//                              contract id <key>
//   dependencies:<id>    set   the keys contract <id> depends on (reverse index: stale links
//                              are removed when terms change)
//   published:<id>       hash  f = fingerprint, v = version, s = status of the last published result
//   waiting              set   contracts whose last published status is `waiting`
//   position:<id>        hash  v = version, d = StoredPosition as JSON (deleted ones kept as markers)
//   portfolio:<id>       hash  field = position id, value `<quantity>|<contract id>`: the
//                              portfolio's live positions (membership, `recalc --portfolio`)
//   state:ready          string the state is complete (state/readiness.ts): written at the end of
//                              a rebuild; a store made with `checkReady` reads it last in every
//                              round trip and throws StateLostError without it
//   state:rebuild-lock   string the process rebuilding the state (expiring lock, state/healing.ts)
//
// Reads and writes of a batch go in one pipeline: one round trip per batch, not per contract.
// Writes that could regress (contracts, observations) are guarded by version in Lua, so
// replays and a rebuild running next to the processors never move state backwards.
import type { Redis } from 'ioredis';
import { redisUnavailable } from '../clients/redis.js';
import type { CashflowStatus } from '../schemas/types.js';
import { checkMarkerKept, READY_KEY, REBUILD_LOCK_KEY, splitReadyCheck } from './readiness.js';
import {
  timeMsOf,
  type Holding,
  type MarketSeries,
  type PublishedResult,
  type SeriesPoint,
  type StateStore,
  type StateWrites,
  type StoredContract,
  type StoredPosition,
} from './model.js';

export const DEFAULT_KEY_PREFIX = 'cashflow:';

export const keys = {
  contract: (id: string) => `contract:${id}`,
  series: (code: string) => `series:${code}`,
  dependents: (key: string) => `dependents:${key}`,
  dependencies: (id: string) => `dependencies:${id}`,
  published: (id: string) => `published:${id}`,
  position: (id: string) => `position:${id}`,
  portfolio: (id: string) => `portfolio:${id}`,
  waiting: 'waiting',
  ready: READY_KEY,
  rebuildLock: REBUILD_LOCK_KEY,
};

export interface RedisStateStoreOptions {
  /**
   * Check the state marker (state/readiness.ts) in every round trip, after the reads and
   * writes of the same pipeline: StateLostError when it is missing. The processors' and the
   * API's stores check; the rebuild's store does not (it is what brings the marker back).
   */
  checkReady?: boolean;
}

/** Writes the contract unless the stored one is newer (equal versions overwrite: merges of out-of-order parts). */
const SET_CONTRACT = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
return 1`;

/**
 * Upserts (or marks deleted) the observation at one time unless the stored one is newer. An
 * equal version applies (arrival order): SQL Server gives every change of one transaction the
 * same version (processors/cdc.ts positionOf), and a delete + re-insert of one point in one
 * transaction must end inserted; Kafka keeps one point's changes in order, and a replay
 * re-applies the same changes in the same order.
 */
const SET_OBSERVATION = `
local existing = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
for _, m in ipairs(existing) do
  local v = tonumber(string.match(m, '^[^|]*|([^|]*)|'))
  if v and v > tonumber(ARGV[2]) then return 0 end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/**
 * Writes a position and its membership unless the stored position is newer (equal versions
 * apply: arrival order, as SET_OBSERVATION says). KEYS: the position, its portfolio now, the
 * portfolio it was in (the same key when it did not move). ARGV: version, document, position
 * id, membership value ('' when deleted: removed from its portfolio).
 */
const SET_POSITION = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
if KEYS[3] ~= KEYS[2] then redis.call('HDEL', KEYS[3], ARGV[3]) end
if ARGV[4] == '' then redis.call('HDEL', KEYS[2], ARGV[3]) else redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
return 1`;

interface StoreCommands {
  cashflowSetContract(key: string, version: string, doc: string): Promise<number>;
  cashflowSetObservation(key: string, timeMs: string, version: string, member: string): Promise<number>;
  cashflowSetPosition(key: string, portfolioKey: string, previousPortfolioKey: string, version: string, doc: string, positionId: string, member: string): Promise<number>;
}

type Pipe = ReturnType<Redis['pipeline']> & StoreCommands;

/** Results of a pipeline, rethrowing the first command error as a retriable Redis error. */
async function run(pipe: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  let results: [Error | null, unknown][] | null;
  try {
    results = await pipe.exec();
  } catch (e) {
    throw redisUnavailable(e);
  }
  if (!results) throw redisUnavailable(new Error('pipeline aborted'));
  return results.map(([err, value]) => {
    if (err) throw redisUnavailable(err);
    return value;
  });
}


/** A portfolio hash's value for a live position: `<quantity>|<contract id>` (a quantity has no `|`). */
export function holdingMember(contractId: string, quantity: number): string {
  return `${quantity}|${contractId}`;
}

export function parseHoldingMember(positionId: string, member: string): Holding {
  const bar = member.indexOf('|');
  return { positionId, contractId: member.slice(bar + 1), quantity: Number(member.slice(0, bar)) };
}

function seriesMember(observedAt: string, version: number, value: number | null): string {
  return `${observedAt}|${version}|${value === null ? '' : String(value)}`;
}

export function parseSeriesMember(member: string, score: number): SeriesPoint {
  const a = member.indexOf('|');
  const b = member.indexOf('|', a + 1);
  const raw = member.slice(b + 1);
  return {
    observedAt: member.slice(0, a),
    timeMs: score,
    version: Number(member.slice(a + 1, b)),
    value: raw === '' ? null : Number(raw),
  };
}

export class RedisStateStore implements StateStore {
  readonly checkReady: boolean;

  constructor(readonly redis: Redis, options: RedisStateStoreOptions = {}) {
    this.checkReady = options.checkReady ?? false;
    // defineCommand is idempotent per name; several stores may share a client.
    if (!(redis as unknown as Partial<StoreCommands>).cashflowSetContract) {
      redis.defineCommand('cashflowSetContract', { numberOfKeys: 1, lua: SET_CONTRACT });
      redis.defineCommand('cashflowSetObservation', { numberOfKeys: 1, lua: SET_OBSERVATION });
    }
    if (!(redis as unknown as Partial<StoreCommands>).cashflowSetPosition) {
      redis.defineCommand('cashflowSetPosition', { numberOfKeys: 3, lua: SET_POSITION });
    }
  }

  private pipe(): Pipe {
    return this.redis.pipeline() as Pipe;
  }

  /** The pipeline's replies; with `checkReady`, the marker's GET goes last and is checked. */
  private async exec(p: Pipe): Promise<unknown[]> {
    return (await this.execChecked(p)).replies;
  }

  private async execChecked(p: Pipe): Promise<{ replies: unknown[]; marker?: string }> {
    if (!this.checkReady) return { replies: await run(p) };
    p.get(keys.ready);
    return splitReadyCheck(await run(p));
  }

  /**
   * StateLostError unless the marker is there and, given `since` (what apply() returned), is
   * still that one (one round trip). The runner asks after the outputs of a processor that
   * writes state before them: a loss between that write and the outputs would leave the
   * outputs announcing state that is gone.
   */
  async confirmReady(since?: string): Promise<void> {
    let now: string | null;
    try {
      now = await this.redis.get(keys.ready);
    } catch (e) {
      throw redisUnavailable(e);
    }
    checkMarkerKept(now, since);
  }

  /** The JSON documents (field `d`) of the hashes of `ids`, parsed; absent ids are left out. */
  private async documents<T>(keyOf: (id: string) => string, ids: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    if (ids.length === 0) return out;
    const unique = [...new Set(ids)];
    const p = this.pipe();
    for (const id of unique) p.hget(keyOf(id), 'd');
    const docs = await this.exec(p);
    unique.forEach((id, i) => {
      const d = docs[i];
      if (typeof d === 'string') out.set(id, JSON.parse(d) as T);
    });
    return out;
  }

  contracts(ids: readonly string[]): Promise<Map<string, StoredContract>> {
    return this.documents(keys.contract, ids);
  }

  async series(codes: readonly string[]): Promise<Map<string, MarketSeries>> {
    const out = new Map<string, MarketSeries>();
    if (codes.length === 0) return out;
    const unique = [...new Set(codes)];
    const p = this.pipe();
    for (const code of unique) p.zrange(keys.series(code), '0', '-1', 'WITHSCORES');
    const replies = await this.exec(p);
    unique.forEach((code, i) => {
      const flat = replies[i] as string[];
      if (!flat || flat.length === 0) return;
      const points: SeriesPoint[] = [];
      let version = 0;
      for (let j = 0; j < flat.length; j += 2) {
        const pt = parseSeriesMember(flat[j], Number(flat[j + 1]));
        points.push(pt);
        if (pt.version > version) version = pt.version;
      }
      out.set(code, { code, points, version });
    });
    return out;
  }

  private async sets(keyOf: (k: string) => string, list: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (list.length === 0) return out;
    const unique = [...new Set(list)];
    const p = this.pipe();
    for (const k of unique) p.smembers(keyOf(k));
    const replies = await this.exec(p);
    unique.forEach((k, i) => out.set(k, (replies[i] as string[]) ?? []));
    return out;
  }

  dependents(depKeys: readonly string[]): Promise<Map<string, string[]>> {
    return this.sets(keys.dependents, depKeys);
  }

  dependenciesOfContracts(ids: readonly string[]): Promise<Map<string, string[]>> {
    return this.sets(keys.dependencies, ids);
  }

  async published(ids: readonly string[]): Promise<Map<string, PublishedResult>> {
    const out = new Map<string, PublishedResult>();
    if (ids.length === 0) return out;
    const unique = [...new Set(ids)];
    const p = this.pipe();
    for (const id of unique) p.hmget(keys.published(id), 'f', 'v', 's');
    const replies = await this.exec(p);
    unique.forEach((id, i) => {
      const [f, v, s] = replies[i] as (string | null)[];
      if (v === null || v === undefined) return;
      out.set(id, { fingerprint: f === '' ? null : f, version: Number(v), status: (s ?? 'computed') as CashflowStatus });
    });
    return out;
  }

  positions(ids: readonly string[]): Promise<Map<string, StoredPosition>> {
    return this.documents(keys.position, ids);
  }

  async holdings(portfolioIds: readonly string[]): Promise<Map<string, Holding[]>> {
    const out = new Map<string, Holding[]>();
    if (portfolioIds.length === 0) return out;
    const unique = [...new Set(portfolioIds)];
    const p = this.pipe();
    for (const id of unique) p.hgetall(keys.portfolio(id));
    const replies = await this.exec(p);
    unique.forEach((id, i) => {
      const fields = (replies[i] ?? {}) as Record<string, string>;
      out.set(id, Object.entries(fields).map(([positionId, member]) => parseHoldingMember(positionId, member)));
    });
    return out;
  }

  async waitingCount(): Promise<number> {
    try {
      return await this.redis.scard(keys.waiting);
    } catch (e) {
      throw redisUnavailable(e);
    }
  }

  /** With `checkReady`, returns the marker read after the writes (for confirmReady). */
  async apply(w: StateWrites): Promise<string | void> {
    const p = this.pipe();
    let n = 0;
    for (const c of w.contracts) {
      p.cashflowSetContract(keys.contract(c.contractId), String(c.version), JSON.stringify(c));
      n++;
    }
    for (const m of w.market) {
      p.cashflowSetObservation(
        keys.series(m.marketObjectCode),
        String(timeMsOf(m.observedAt)),
        String(m.version),
        seriesMember(m.observedAt, m.version, m.deleted ? null : m.value),
      );
      n++;
    }
    for (const l of w.links) {
      for (const k of l.removed) p.srem(keys.dependents(k), l.contractId);
      for (const k of l.dependencies) p.sadd(keys.dependents(k), l.contractId);
      p.del(keys.dependencies(l.contractId));
      if (l.dependencies.length) p.sadd(keys.dependencies(l.contractId), ...l.dependencies);
      n++;
    }
    for (const { position: x, previousPortfolioId } of w.positions) {
      const portfolio = keys.portfolio(x.portfolioId);
      p.cashflowSetPosition(
        keys.position(x.positionId),
        portfolio,
        previousPortfolioId === null ? portfolio : keys.portfolio(previousPortfolioId),
        String(x.version),
        JSON.stringify(x),
        x.positionId,
        x.deleted ? '' : holdingMember(x.contractId, x.quantity),
      );
      n++;
    }
    for (const r of w.published) {
      p.hset(keys.published(r.contractId), 'f', r.fingerprint ?? '', 'v', String(r.version), 's', r.status);
      if (r.status === 'waiting') p.sadd(keys.waiting, r.contractId);
      else p.srem(keys.waiting, r.contractId);
      n++;
    }
    if (n > 0) return (await this.execChecked(p)).marker;
  }
}

/**
 * Deletes every key under `prefix` (the store of one pipeline), leaving other prefixes alone.
 * `redis` must be a client WITHOUT a key prefix. Returns the number of keys removed.
 */
export async function clearState(redis: Redis, prefix: string, options: { keep?: readonly string[] } = {}): Promise<number> {
  if (!prefix) throw new Error('clearState needs a non-empty key prefix (it never clears a whole Redis)');
  const keep = new Set((options.keep ?? []).map((k) => `${prefix}${k}`));
  let cursor = '0';
  let removed = 0;
  do {
    const [next, scanned] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    const found = keep.size ? scanned.filter((k) => !keep.has(k)) : scanned;
    if (found.length) removed += await redis.unlink(...found);
  } while (cursor !== '0');
  return removed;
}
