// Lost Redis state heals itself (state/readiness.ts says how a loss is seen). A processor
// whose batch meets StateLostError stops taking work (the runner retries that batch, never
// skips or dead-letters it) and asks its process's StateHealer to heal:
//   marker back?                 → go on
//   the rebuild lock taken by us → rebuild from the compacted topics (state/rebuild.ts), then
//                                  write the marker, if the lock is still ours (else Redis lost
//                                  its data again meanwhile: start over), and release the lock
//   the lock held by another     → wait for the marker (a holder that dies lets its lock expire,
//                                  and a waiter takes over)
// So exactly one process rebuilds at a time, the others wait; within one process every runner
// waits on the same heal. The lock expires (LOCK_TTL_MS) and is extended while the rebuild runs.
// `cashflow state rebuild` takes the same lock (rebuildWithLock) and writes the marker at its end.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { redisUnavailable } from '../clients/redis.js';
import { evictionRisk, markerValue, READY_KEY, REBUILD_LOCK_KEY } from './readiness.js';

export const LOCK_TTL_MS = 30_000;
const POLL_MS = 500;
const PROGRESS_LOG_EVERY_MS = 5_000;
/** How often an idle process looks for the marker (StateHealer.watch). */
const WATCH_EVERY_MS = 5_000;

export type HealLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What a rebuild reports (state/rebuild.ts RebuildOutcome has these and more). */
export interface RebuildSummary {
  records: number;
  contracts: number;
  observations: number;
  results: number;
  /** Positions read (absent from a rebuild that does not report them, as in tests). */
  positions?: number;
  clearedKeys: number;
  durationMs: number;
}

export interface RebuildRequest {
  /** Delete the prefix's keys (the lock excepted) before reading the topics. */
  clear: boolean;
  onProgress(p: { records: number; total: number }): void;
  /** Aborted when the process stops: the rebuild ends its consumer and rejects. */
  signal?: AbortSignal;
}

/** The Redis side of healing, apart so that the decisions are tested without Redis. */
export interface HealPort {
  markerPresent(): Promise<boolean>;
  /** Takes the lock for `token` unless someone holds it. */
  tryLock(token: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock if it is still `token`'s; false when it is gone or someone else's. */
  extendLock(token: string, ttlMs: number): Promise<boolean>;
  /** Writes the marker and releases the lock, only if the lock is still `token`'s (one atomic step). */
  completeUnderLock(token: string, marker: string): Promise<boolean>;
  /** Releases the lock if it is `token`'s. */
  releaseLock(token: string): Promise<void>;
  /** Reads the compacted topics into the store (version-guarded writes). */
  rebuild(request: RebuildRequest): Promise<RebuildSummary>;
}

export interface HealMetrics {
  /** A rebuild ended: completed (marker written), interrupted (state lost again meanwhile), failed. */
  rebuildEnded(outcome: 'completed' | 'interrupted' | 'failed', seconds: number): void;
  stateReady(ready: boolean): void;
}

/** Who holds a lock or wrote a marker: this host and process, and what it runs. */
export function ownerId(what: string): string {
  return `${hostname()}:${process.pid}:${what}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The healer was stopped (its process is stopping): the heal ended unfinished. */
export class HealStoppedError extends Error {
  constructor() {
    super('the state heal was stopped: the process is stopping');
    this.name = 'HealStoppedError';
  }
}

/**
 * With the lock held under `token`: rebuild (extending the lock meanwhile), then the marker
 * and the lock's release in one step. `completed` false: the lock was gone at the end (Redis
 * lost its data during the rebuild), no marker was written and the rebuild must start over.
 */
export async function rebuildUnderLock(
  port: HealPort,
  token: string,
  options: { by: string; clear: boolean; ttlMs?: number; onProgress?: RebuildRequest['onProgress']; signal?: AbortSignal },
): Promise<{ completed: boolean; summary: RebuildSummary }> {
  const ttlMs = options.ttlMs ?? LOCK_TTL_MS;
  // a lock found gone here is found gone again by completeUnderLock, which decides
  const keepAlive = setInterval(() => {
    port.extendLock(token, ttlMs).catch(() => undefined); // Redis unreachable: the rebuild's own writes fail and say so
  }, Math.max(50, Math.floor(ttlMs / 3)));
  keepAlive.unref();
  let completed = false;
  try {
    const summary = await port.rebuild({ clear: options.clear, onProgress: options.onProgress ?? (() => {}), signal: options.signal });
    completed = await port.completeUnderLock(token, markerValue({ at: new Date().toISOString(), by: options.by, records: summary.records, durationMs: summary.durationMs }));
    return { completed, summary };
  } finally {
    clearInterval(keepAlive);
    if (!completed) await port.releaseLock(token).catch(() => undefined);
  }
}

/**
 * One per process: heals the state when a runner meets StateLostError (or at start), one heal
 * at a time however many runners ask.
 */
export class StateHealer {
  private current: Promise<void> | undefined;
  /** Aborted by stop(): no new heal starts and a rebuild in progress ends its consumer. */
  private readonly stopping = new AbortController();
  private readonly ttlMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly port: HealPort,
    private readonly options: { owner: string; log: HealLog; metrics?: HealMetrics; ttlMs?: number; pollMs?: number },
  ) {
    this.ttlMs = options.ttlMs ?? LOCK_TTL_MS;
    this.pollMs = options.pollMs ?? POLL_MS;
  }

  /** True while a heal is in progress (the state is being rebuilt here or elsewhere). */
  get healing(): boolean {
    return this.current !== undefined;
  }

  /**
   * Resolves once the marker is there, rebuilding under the lock or waiting for the process
   * that holds it. Rejects when the rebuild fails (Kafka or Redis unreachable): the caller
   * retries later, and a later heal starts over.
   */
  heal(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.reject(this.stopping.signal.reason);
    this.current ??= this.run().finally(() => (this.current = undefined));
    return this.current;
  }

  /**
   * Ends the healing with the process: a rebuild in progress closes its consumer (whose group
   * would otherwise read on after the stop) and releases the lock unfinished, so another
   * process or the next start rebuilds. Resolves once the heal in progress has ended.
   */
  async stop(): Promise<void> {
    this.stopping.abort(new HealStoppedError());
    await this.current?.catch(() => undefined);
  }

  /**
   * Checks the marker every `everyMs` and heals when it is gone, so that a loss while nothing
   * flows (no batch to meet it) is healed too, before the API or a later batch needs the state.
   * One EXISTS per period; Redis unreachable is left to the batches. Returns the stop function.
   */
  watch(everyMs = WATCH_EVERY_MS): () => void {
    const timer = setInterval(() => {
      if (this.current) return;
      this.port.markerPresent().then(
        (present) => {
          if (!present) this.heal().catch(() => undefined); // logged by run(); the next round tries again
        },
        () => undefined,
      );
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async run(): Promise<void> {
    const { port, options } = this;
    const { log, metrics } = options;
    let waitedSince: number | undefined;
    const { signal } = this.stopping;
    for (;;) {
      signal.throwIfAborted();
      if (await port.markerPresent()) {
        metrics?.stateReady(true);
        if (waitedSince !== undefined) log('info', 'state ready again (rebuilt by another process)', { waitedMs: Date.now() - waitedSince });
        return;
      }
      metrics?.stateReady(false);
      const token = `${options.owner}:${randomBytes(4).toString('hex')}`;
      if (await port.tryLock(token, this.ttlMs)) {
        const started = performance.now();
        log('warn', 'state marker missing: Redis lost its data or was never filled; rebuilding it from the compacted topics (batches wait)', { owner: options.owner });
        let lastLog = Date.now();
        const onProgress = ({ records, total }: { records: number; total: number }) => {
          if (Date.now() - lastLog < PROGRESS_LOG_EVERY_MS) return;
          lastLog = Date.now();
          log('info', 'state rebuild progress', { records, total });
        };
        let result: Awaited<ReturnType<typeof rebuildUnderLock>>;
        try {
          result = await rebuildUnderLock(port, token, { by: options.owner, clear: false, ttlMs: this.ttlMs, onProgress, signal });
        } catch (e) {
          if (e instanceof HealStoppedError) {
            metrics?.rebuildEnded('interrupted', (performance.now() - started) / 1000);
            log('info', 'state rebuild stopped with the process (the lock is released; the next heal starts over)');
            throw e;
          }
          metrics?.rebuildEnded('failed', (performance.now() - started) / 1000);
          log('error', 'state rebuild failed (tried again with the batch)', { error: (e as Error).message });
          throw e;
        }
        const seconds = (performance.now() - started) / 1000;
        if (result.completed) {
          metrics?.rebuildEnded('completed', seconds);
          metrics?.stateReady(true);
          log('info', 'state rebuild finished: state ready', { ...result.summary, seconds: Number(seconds.toFixed(3)) });
          return;
        }
        metrics?.rebuildEnded('interrupted', seconds);
        log('warn', 'state lost again during the rebuild (its lock is gone): starting over', { records: result.summary.records });
        continue;
      }
      if (waitedSince === undefined) {
        waitedSince = Date.now();
        log('info', 'state marker missing and another process is rebuilding it: waiting for the marker');
      }
      await sleep(this.pollMs);
    }
  }
}

/** Lua: the lock's expiry extended if it is still ARGV[1]'s. */
const EXTEND_LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Lua: the marker written and the lock released if the lock is still ARGV[1]'s. */
const COMPLETE_REBUILD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
return 1`;

/** Lua: the lock released if it is ARGV[1]'s. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

interface LockCommands {
  cashflowExtendLock(lock: string, token: string, ttlMs: string): Promise<number>;
  cashflowCompleteRebuild(lock: string, ready: string, token: string, marker: string): Promise<number>;
  cashflowReleaseLock(lock: string, token: string): Promise<number>;
}


/** HealPort over the store's Redis client (with the store's key prefix) and a rebuild. */
export class RedisHealPort implements HealPort {
  private readonly commands: LockCommands;

  constructor(
    private readonly redis: Redis,
    readonly rebuild: (request: RebuildRequest) => Promise<RebuildSummary>,
  ) {
    if (!(redis as unknown as Partial<LockCommands>).cashflowExtendLock) {
      redis.defineCommand('cashflowExtendLock', { numberOfKeys: 1, lua: EXTEND_LOCK });
      redis.defineCommand('cashflowCompleteRebuild', { numberOfKeys: 2, lua: COMPLETE_REBUILD });
      redis.defineCommand('cashflowReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
    }
    this.commands = redis as unknown as LockCommands;
  }

  private async call<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      throw redisUnavailable(e);
    }
  }

  async markerPresent(): Promise<boolean> {
    return (await this.call(() => this.redis.exists(READY_KEY))) === 1;
  }

  async tryLock(token: string, ttlMs: number): Promise<boolean> {
    return (await this.call(() => this.redis.set(REBUILD_LOCK_KEY, token, 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async extendLock(token: string, ttlMs: number): Promise<boolean> {
    return (await this.call(() => this.commands.cashflowExtendLock(REBUILD_LOCK_KEY, token, String(ttlMs)))) === 1;
  }

  async completeUnderLock(token: string, marker: string): Promise<boolean> {
    return (await this.call(() => this.commands.cashflowCompleteRebuild(REBUILD_LOCK_KEY, READY_KEY, token, marker))) === 1;
  }

  async releaseLock(token: string): Promise<void> {
    await this.call(() => this.commands.cashflowReleaseLock(REBUILD_LOCK_KEY, token));
  }
}

/**
 * `cashflow state rebuild`: waits for the lock (a processor may be rebuilding), then rebuilds
 * (after clearing the prefix with `clear`) and writes the marker at the end.
 */
export async function rebuildWithLock(
  port: HealPort,
  options: { by: string; clear: boolean; timeoutMs: number; onProgress?: RebuildRequest['onProgress']; onWait?: () => void },
): Promise<RebuildSummary> {
  const deadline = Date.now() + options.timeoutMs;
  for (let waited = false; ; ) {
    const token = `${options.by}:${randomBytes(4).toString('hex')}`;
    if (await port.tryLock(token, LOCK_TTL_MS)) {
      const { completed, summary } = await rebuildUnderLock(port, token, { by: options.by, clear: options.clear, onProgress: options.onProgress });
      if (completed) return summary;
      throw new Error('the state was lost again during the rebuild (its lock disappeared: Redis flushed or restarted); run it again');
    }
    if (!waited) options.onWait?.();
    waited = true;
    if (Date.now() > deadline) throw new Error(`another process held the state rebuild lock (${REBUILD_LOCK_KEY}) for the whole timeout`);
    await sleep(POLL_MS);
  }
}

/**
 * Warns when Redis may evict state keys (a partial loss the marker cannot see). `raw` is a
 * client without key prefix; CONFIG may be refused (managed Redis): then it says it could not
 * check.
 */
export async function checkEvictionPolicy(raw: Redis, log: HealLog): Promise<void> {
  let policy: string | undefined;
  let maxmemory: number | undefined;
  try {
    const p = (await raw.config('GET', 'maxmemory-policy')) as string[];
    const m = (await raw.config('GET', 'maxmemory')) as string[];
    policy = p[1];
    maxmemory = m[1] === undefined ? undefined : Number(m[1]);
  } catch (e) {
    log('warn', 'could not read Redis maxmemory-policy (CONFIG GET refused?): the pipeline requires noeviction, which is not checked', { error: (e as Error).message });
    return;
  }
  const risk = evictionRisk(policy, maxmemory);
  if (risk) log('warn', `Redis may evict state keys: ${risk}`, { policy, maxmemory });
}
