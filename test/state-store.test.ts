// The Redis state store against the local Redis, under a key prefix of its own: the same
// semantics as the in-memory twin the processors' unit tests use.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type Redis } from '../clients/redis.js';
import { loadConfig } from '../config/config.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { emptyWrites, type StateStore, type StoredContract } from '../state/model.js';
import { clearState, RedisStateStore } from '../state/redis-store.js';
import { RedisHealPort } from '../state/healing.js';
import { READY_KEY, REBUILD_LOCK_KEY, StateLostError } from '../state/readiness.js';

const prefix = `st${randomBytes(4).toString('hex')}:`;
const config = loadConfig();
let prefixed: Redis;
let raw: Redis;

beforeAll(async () => {
  prefixed = await connectRedis(config, { keyPrefix: prefix });
  raw = await connectRedis(config);
});
afterAll(async () => {
  await clearState(raw, prefix);
  prefixed.disconnect();
  raw.disconnect();
});

const contract = (id: string, version: number, terms = '{"contractType":"PAM"}'): StoredContract => ({
  contractId: id,
  contractType: 'PAM',
  terms,
  termsVersion: version,
  deleted: false,
  updatedAt: null,
  sourceTsMs: 0,
  events: {},
  version,
});

async function exercise(store: StateStore) {
  await store.apply({ ...emptyWrites(), contracts: [contract('a', 5, 'v5'), contract('b', 1)] });
  await store.apply({ ...emptyWrites(), contracts: [contract('a', 4, 'v4')] }); // older: refused
  await store.apply({
    ...emptyWrites(),
    market: [
      { marketObjectCode: 'M', observedAt: '2024-02-01T00:00:00', value: 2, version: 20, deleted: false },
      { marketObjectCode: 'M', observedAt: '2024-01-01T00:00:00', value: 1, version: 10, deleted: false },
      { marketObjectCode: 'M', observedAt: '2024-01-01T00:00:00', value: 9, version: 9, deleted: false }, // older
      { marketObjectCode: 'M', observedAt: '2024-02-01T00:00:00', value: 0, version: 30, deleted: true },
      // one SQL Server transaction deletes and re-inserts a point: equal versions, arrival order
      { marketObjectCode: 'M', observedAt: '2024-03-01T00:00:00', value: 3, version: 40, deleted: true },
      { marketObjectCode: 'M', observedAt: '2024-03-01T00:00:00', value: 4, version: 40, deleted: false },
    ],
    links: [
      { contractId: 'a', dependencies: ['M', 'N'], removed: [] },
      { contractId: 'b', dependencies: ['M'], removed: [] },
    ],
    published: [
      { contractId: 'a', fingerprint: 'fa', version: 5, status: 'computed' },
      { contractId: 'b', fingerprint: null, version: 1, status: 'waiting' },
    ],
  });
  await store.apply({ ...emptyWrites(), links: [{ contractId: 'a', dependencies: ['N'], removed: ['M'] }] });
  return {
    contracts: Object.fromEntries([...(await store.contracts(['a', 'b', 'zz']))].map(([k, v]) => [k, v.terms])),
    series: (await store.series(['M', 'none'])).get('M'),
    none: (await store.series(['none'])).size,
    dependents: Object.fromEntries([...(await store.dependents(['M', 'N']))].map(([k, v]) => [k, v.sort()])),
    reverse: Object.fromEntries(await store.dependenciesOfContracts(['a', 'b'])),
    published: Object.fromEntries(await store.published(['a', 'b', 'zz'])),
    waiting: await store.waitingCount(),
  };
}

describe('RedisStateStore', () => {
  it('behaves like the in-memory store: version guards, series with deletion markers, index, published', async () => {
    const redis = await exercise(new RedisStateStore(prefixed));
    const memory = await exercise(new MemoryStateStore());
    expect(redis).toEqual(memory);
    expect(redis.contracts).toEqual({ a: 'v5', b: '{"contractType":"PAM"}' });
    expect(redis.series!.points.map((p) => [p.observedAt, p.value, p.version])).toEqual([
      ['2024-01-01T00:00:00', 1, 10],
      ['2024-02-01T00:00:00', null, 30],
      ['2024-03-01T00:00:00', 4, 40],
    ]);
    expect(redis.series!.version).toBe(40);
    expect(redis.dependents).toEqual({ M: ['b'], N: ['a'] });
    expect(redis.published.b).toEqual({ fingerprint: null, version: 1, status: 'waiting' });
    expect(redis.waiting).toBe(1);
  });

  it('keeps every key under its prefix, and clearState removes exactly those', async () => {
    const keys = await raw.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await raw.set('other-prefix-key-' + prefix, '1');
    expect(await clearState(raw, prefix)).toBe(keys.length);
    expect(await raw.get('other-prefix-key-' + prefix)).toBe('1');
    await raw.del('other-prefix-key-' + prefix);
  });
});

describe('the state marker and the rebuild lock on Redis (state/readiness.ts, state/healing.ts)', () => {
  const ready = `${prefix}${READY_KEY}`;
  const lock = `${prefix}${REBUILD_LOCK_KEY}`;

  it('a checking store refuses to read or write without the marker, in the same round trip', async () => {
    await clearState(raw, prefix);
    const checked = new RedisStateStore(prefixed, { checkReady: true });
    const plain = new RedisStateStore(prefixed);
    await expect(checked.contracts(['a'])).rejects.toBeInstanceOf(StateLostError);
    await expect(checked.dependents(['M'])).rejects.toBeInstanceOf(StateLostError);
    await expect(checked.confirmReady()).rejects.toBeInstanceOf(StateLostError);
    // the write went in (idempotent: the batch redoes it) but the batch is told the state is gone
    await expect(checked.apply({ ...emptyWrites(), contracts: [contract('a', 3)] })).rejects.toBeInstanceOf(StateLostError);
    expect((await plain.contracts(['a'])).get('a')?.version).toBe(3);

    await raw.set(ready, 'm1');
    expect((await checked.contracts(['a', 'zz'])).get('a')?.version).toBe(3); // the marker's reply is not taken for a read
    const seen = await checked.apply({ ...emptyWrites(), contracts: [contract('b', 1)] });
    expect(seen).toBe('m1');
    await checked.confirmReady('m1');
    await raw.set(ready, 'm2'); // lost and rebuilt since the batch wrote
    await expect(checked.confirmReady('m1')).rejects.toThrow(/rebuilt after this batch wrote/);
    await raw.del(ready); // what a FLUSHALL does to it
    await expect(checked.published(['a'])).rejects.toThrow(/state not ready/);
  });

  it('one lock holder at a time; the marker is written and the lock released only by the holder', async () => {
    await clearState(raw, prefix);
    const rebuild = async () => ({ records: 0, contracts: 0, observations: 0, results: 0, clearedKeys: 0, durationMs: 0 });
    const one = new RedisHealPort(prefixed, rebuild);
    expect(await one.tryLock('t1', 10_000)).toBe(true);
    expect(await one.tryLock('t2', 10_000)).toBe(false);
    expect(await one.extendLock('t2', 10_000)).toBe(false);
    expect(await one.extendLock('t1', 20_000)).toBe(true);
    expect(await raw.pttl(lock)).toBeGreaterThan(10_000);
    expect(await one.completeUnderLock('t2', 'm2')).toBe(false);
    expect(await raw.get(ready)).toBeNull();
    await one.releaseLock('t2');
    expect(await raw.get(lock)).toBe('t1');
    // clearState spares the lock when asked (cashflow state rebuild --clear clears under it)
    await raw.set(`${prefix}contract:x`, '1');
    expect(await clearState(raw, prefix, { keep: [REBUILD_LOCK_KEY] })).toBe(1);
    expect(await one.completeUnderLock('t1', 'm1')).toBe(true);
    expect(await raw.get(ready)).toBe('m1');
    expect(await raw.exists(lock)).toBe(0);
    expect(await one.markerPresent()).toBe(true);
    // a lock that expires (its holder died) can be taken again
    expect(await one.tryLock('t3', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await one.tryLock('t4', 10_000)).toBe(true);
    await one.releaseLock('t4');
    expect(await raw.exists(lock)).toBe(0);
  });
});
