// The healing decisions (state/healing.ts) over an in-memory twin of the two Redis keys
// involved (marker, expiring lock), with several processes sharing it: exactly one rebuilds,
// the others wait for the marker; a dead holder's lock expires and a waiter takes over; a
// loss during the rebuild starts it over; a failed rebuild releases the lock.
import { describe, expect, it } from 'vitest';
import { parseMarker } from './readiness.js';
import { HealStoppedError, rebuildUnderLock, rebuildWithLock, StateHealer, type HealPort, type RebuildRequest, type RebuildSummary } from './healing.js';

const summary = (records: number): RebuildSummary => ({ records, contracts: 0, observations: 0, results: 0, clearedKeys: 0, durationMs: 1 });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One Redis's marker and lock (with expiry on the wall clock), shared by the ports of several "processes". */
class SharedRedis {
  marker: string | null = null;
  lock: { token: string; expiresAt: number } | null = null;
  rebuilds: string[] = [];

  flush(): void {
    this.marker = null;
    this.lock = null;
  }

  lockHolder(): string | null {
    if (this.lock && this.lock.expiresAt <= Date.now()) this.lock = null;
    return this.lock?.token ?? null;
  }
}

class MemoryPort implements HealPort {
  constructor(
    readonly redis: SharedRedis,
    readonly name: string,
    readonly doRebuild: (r: RebuildRequest) => Promise<RebuildSummary> = async () => {
      await sleep(30);
      return summary(7);
    },
  ) {}
  async markerPresent() {
    return this.redis.marker !== null;
  }
  async tryLock(token: string, ttlMs: number) {
    if (this.redis.lockHolder() !== null) return false;
    this.redis.lock = { token, expiresAt: Date.now() + ttlMs };
    return true;
  }
  async extendLock(token: string, ttlMs: number) {
    if (this.redis.lockHolder() !== token) return false;
    this.redis.lock = { token, expiresAt: Date.now() + ttlMs };
    return true;
  }
  async completeUnderLock(token: string, marker: string) {
    if (this.redis.lockHolder() !== token) return false;
    this.redis.marker = marker;
    this.redis.lock = null;
    return true;
  }
  async releaseLock(token: string) {
    if (this.redis.lockHolder() === token) this.redis.lock = null;
  }
  async rebuild(r: RebuildRequest) {
    this.redis.rebuilds.push(this.name);
    return this.doRebuild(r);
  }
}

function healer(port: HealPort, owner: string, events: string[] = []) {
  const h = new StateHealer(port, {
    owner,
    log: (_level, message) => events.push(`${owner}: ${message}`),
    metrics: {
      rebuildEnded: (outcome) => events.push(`${owner}: rebuild ${outcome}`),
      stateReady: (ready) => events.push(`${owner}: ready=${ready}`),
    },
    ttlMs: 300,
    pollMs: 10,
  });
  return h;
}

describe('StateHealer', () => {
  it('goes on at once when the marker is there: no lock, no rebuild', async () => {
    const redis = new SharedRedis();
    redis.marker = 'x';
    await healer(new MemoryPort(redis, 'a'), 'a').heal();
    expect(redis.rebuilds).toEqual([]);
    expect(redis.lock).toBeNull();
  });

  it('with the marker gone, exactly one of three processes rebuilds; the others wait for the marker and all go on', async () => {
    const redis = new SharedRedis();
    const events: string[] = [];
    const heals = ['a', 'b', 'c'].map((n) => healer(new MemoryPort(redis, n), n, events));
    await Promise.all(heals.map((h) => h.heal()));
    expect(redis.rebuilds).toHaveLength(1);
    const [rebuilder] = redis.rebuilds;
    expect(parseMarker(redis.marker)).toMatchObject({ by: rebuilder, records: 7 });
    expect(redis.lock).toBeNull(); // released with the marker
    const waiters = ['a', 'b', 'c'].filter((n) => n !== rebuilder);
    for (const w of waiters) {
      expect(events).toContain(`${w}: state marker missing and another process is rebuilding it: waiting for the marker`);
      expect(events).toContain(`${w}: state ready again (rebuilt by another process)`);
    }
    expect(events.filter((e) => e.endsWith('rebuild completed'))).toEqual([`${rebuilder}: rebuild completed`]);
  });

  it('asks once per process however many runners meet the loss at the same time', async () => {
    const redis = new SharedRedis();
    const h = healer(new MemoryPort(redis, 'a'), 'a');
    const all = [h.heal(), h.heal(), h.heal()];
    expect(h.healing).toBe(true);
    await Promise.all(all);
    expect(h.healing).toBe(false);
    expect(redis.rebuilds).toEqual(['a']);
  });

  it('takes over when the process holding the lock died (its lock expires)', async () => {
    const redis = new SharedRedis();
    redis.lock = { token: 'dead-process', expiresAt: Date.now() + 100 };
    const started = Date.now();
    await healer(new MemoryPort(redis, 'b'), 'b').heal();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(redis.rebuilds).toEqual(['b']);
    expect(redis.marker).not.toBeNull();
  });

  it('keeps the lock alive through a rebuild longer than its expiry: no second rebuilder', async () => {
    const redis = new SharedRedis();
    const slow = new MemoryPort(redis, 'a', async () => {
      await sleep(700); // > 2 × the 300 ms lock expiry
      return summary(1);
    });
    const a = healer(slow, 'a').heal();
    await sleep(20);
    const b = healer(new MemoryPort(redis, 'b'), 'b').heal();
    await Promise.all([a, b]);
    expect(redis.rebuilds).toEqual(['a']);
  });

  it('starts over when Redis loses its data again during the rebuild: no marker over a half-empty state', async () => {
    const redis = new SharedRedis();
    let first = true;
    const events: string[] = [];
    const port = new MemoryPort(redis, 'a', async () => {
      await sleep(20);
      if (first) {
        first = false;
        redis.flush(); // marker and lock gone: what was written so far is gone too
      }
      return summary(3);
    });
    await healer(port, 'a', events).heal();
    expect(redis.rebuilds).toEqual(['a', 'a']);
    expect(events.filter((e) => /: rebuild \w+$/.test(e))).toEqual(['a: rebuild interrupted', 'a: rebuild completed']);
    expect(redis.marker).not.toBeNull();
  });

  it('rejects when the rebuild fails, releasing the lock, and a later heal starts over', async () => {
    const redis = new SharedRedis();
    let fail = true;
    const events: string[] = [];
    const port = new MemoryPort(redis, 'a', async () => {
      if (fail) throw new Error('kafka unreachable');
      return summary(2);
    });
    const h = healer(port, 'a', events);
    await expect(h.heal()).rejects.toThrow('kafka unreachable');
    expect(redis.lock).toBeNull();
    expect(redis.marker).toBeNull();
    expect(events).toContain('a: rebuild failed');
    fail = false;
    await h.heal();
    expect(redis.marker).not.toBeNull();
    expect(events).toContain('a: ready=true');
  });
});

describe('StateHealer.watch', () => {
  it('stop() ends a rebuild in progress: its signal aborts, the lock is released unfinished, and no later heal starts', async () => {
    const redis = new SharedRedis();
    let sawAbort = false;
    const port = new MemoryPort(redis, 'a', (r) =>
      // a rebuild that would read for a minute unless told to stop (as the consumer's race does)
      new Promise((_, reject) => {
        const timer = setTimeout(() => reject(new Error('read on for a minute')), 60_000);
        r.signal?.addEventListener('abort', () => {
          sawAbort = true;
          clearTimeout(timer);
          reject(r.signal!.reason);
        });
      }),
    );
    const events: string[] = [];
    const h = healer(port, 'a', events);
    const healing = h.heal();
    healing.catch(() => undefined);
    await sleep(20);
    expect(redis.lockHolder()).not.toBeNull();
    const started = Date.now();
    await h.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sawAbort).toBe(true);
    await expect(healing).rejects.toBeInstanceOf(HealStoppedError);
    expect(redis.lockHolder()).toBeNull(); // another process, or the next start, rebuilds
    expect(redis.marker).toBeNull(); // never a marker over a state read halfway
    expect(events).toContain('a: rebuild interrupted');
    await expect(h.heal()).rejects.toBeInstanceOf(HealStoppedError);
    expect(redis.rebuilds).toEqual(['a']);
  });

  it('heals a loss while no batch flows (nothing else would notice it)', async () => {
    const redis = new SharedRedis();
    redis.marker = 'x';
    const h = healer(new MemoryPort(redis, 'a'), 'a');
    const stop = h.watch(20);
    try {
      await sleep(60);
      expect(redis.rebuilds).toEqual([]); // marker there: nothing to do
      redis.flush();
      const deadline = Date.now() + 2_000;
      while (redis.marker === null && Date.now() < deadline) await sleep(10);
      expect(redis.rebuilds).toEqual(['a']);
      expect(redis.marker).not.toBeNull();
    } finally {
      stop();
    }
  });
});

describe('rebuildWithLock (cashflow state rebuild)', () => {
  it('waits while a processor rebuilds, then rebuilds with clear and writes the marker', async () => {
    const redis = new SharedRedis();
    redis.lock = { token: 'processor', expiresAt: Date.now() + 60_000 };
    setTimeout(() => (redis.lock = null), 80); // the processor finishes
    const requests: boolean[] = [];
    let waited = 0;
    const port = new MemoryPort(redis, 'cli', async (r) => {
      requests.push(r.clear);
      return summary(5);
    });
    const r = await rebuildWithLock(port, { by: 'cli', clear: true, timeoutMs: 5_000, onWait: () => waited++ });
    expect(r.records).toBe(5);
    expect(waited).toBe(1);
    expect(requests).toEqual([true]);
    expect(parseMarker(redis.marker)?.by).toBe('cli');
  });

  it('gives up with a clear error when the lock stays held for the whole timeout', async () => {
    const redis = new SharedRedis();
    redis.lock = { token: 'processor', expiresAt: Date.now() + 60_000 };
    await expect(rebuildWithLock(new MemoryPort(redis, 'cli'), { by: 'cli', clear: false, timeoutMs: 50 })).rejects.toThrow(/held the state rebuild lock/);
    expect(redis.rebuilds).toEqual([]);
  });
});

describe('rebuildUnderLock', () => {
  it('writes no marker and releases nothing it does not hold when the lock was taken over meanwhile', async () => {
    const redis = new SharedRedis();
    const port = new MemoryPort(redis, 'a', async () => {
      redis.lock = { token: 'other', expiresAt: Date.now() + 60_000 };
      return summary(1);
    });
    redis.lock = { token: 'mine', expiresAt: Date.now() + 60_000 };
    const r = await rebuildUnderLock(port, 'mine', { by: 'a', clear: false });
    expect(r.completed).toBe(false);
    expect(redis.marker).toBeNull();
    expect(redis.lock?.token).toBe('other');
  });
});
