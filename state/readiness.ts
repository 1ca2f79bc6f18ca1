// Is the Redis state complete? Redis is a cache of the compacted topics (docs/architecture.md "Redis state"); on
// this kind of machine it keeps nothing on disk, so a restart or a FLUSHALL empties it, and a
// processor reading the empty store would take every contract for absent: results would stop
// being updated and nothing would say so. The store therefore carries a marker, `state:ready`,
// written only when the state is complete: at the first start of an environment (a rebuild of
// empty topics, quick) and at the end of every rebuild, each time with a new value (time and
// writer). Every batch's reads and writes check it in their own pipelined round trip
// (state/redis-store.ts); a missing marker is StateLostError, which the runner answers by
// healing the state (state/healing.ts) and retrying the batch.
//
// What the marker sees: a flush, a restart without persistence, a `state rebuild --clear`,
// the marker's own eviction. What it cannot see: some other keys evicted while the marker
// stays. The pipeline therefore requires `maxmemory-policy noeviction` (or no `maxmemory`),
// checked at start (evictionRisk) where CONFIG GET is allowed.
import { RetriableError } from '../clients/errors.js';

/** The marker's key (under the store's prefix). */
export const READY_KEY = 'state:ready';
/** The key of the lock that lets exactly one process rebuild (under the store's prefix). */
export const REBUILD_LOCK_KEY = 'state:rebuild-lock';

/**
 * The store's state is incomplete: the marker is missing (Redis flushed, restarted without
 * persistence, or being rebuilt). Retriable: the batch is retried once the state is healed,
 * never skipped nor dead-lettered.
 */
export class StateLostError extends RetriableError {
  constructor(readonly detail = 'the Redis state marker is missing: Redis lost its data or the state is being rebuilt') {
    super('redis', undefined, `state not ready: ${detail}`);
    this.name = 'StateLostError';
  }
}

/** What the marker holds: when and by whom the state was completed (for people reading Redis). */
export interface ReadyMarker {
  /** ISO time the state was completed. */
  at: string;
  /** The process that wrote it (`host:pid` or `cli`). */
  by: string;
  /** Records read from the compacted topics by the rebuild that completed it. */
  records: number;
  durationMs: number;
}

export function markerValue(m: ReadyMarker): string {
  return JSON.stringify(m);
}

/** The marker's content, or undefined when the value is not one (an older or foreign writer). */
export function parseMarker(value: string | null | undefined): ReadyMarker | undefined {
  if (!value) return undefined;
  try {
    const m = JSON.parse(value) as Partial<ReadyMarker>;
    if (typeof m.at === 'string' && typeof m.by === 'string') return { at: m.at, by: m.by, records: Number(m.records ?? 0), durationMs: Number(m.durationMs ?? 0) };
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * The replies of a pipeline whose LAST command is `GET <READY_KEY>`, without that reply, and
 * the marker it read; StateLostError when the marker was missing. Checked last, after the
 * reads: a flush before or between the reads also removed the marker before the check, so
 * reads that pass saw a complete state.
 */
export function splitReadyCheck(replies: readonly unknown[]): { replies: unknown[]; marker: string } {
  if (replies.length === 0) throw new Error('splitReadyCheck: no replies (the GET of the marker was not sent)');
  const marker = replies[replies.length - 1];
  if (typeof marker !== 'string' || marker === '') throw new StateLostError();
  return { replies: replies.slice(0, -1), marker };
}

/**
 * The marker read now against the one a batch saw when it wrote (`since`): StateLostError when
 * it is gone, or when it is another one (the state was lost and rebuilt in between: the
 * batch's writes may have gone with it, and the rebuild may have read the topics before the
 * batch's outputs landed).
 */
export function checkMarkerKept(now: string | null, since?: string): void {
  if (!now) throw new StateLostError();
  if (since !== undefined && now !== since) throw new StateLostError('the state was rebuilt after this batch wrote to it');
}

/**
 * Whether a Redis with these settings may evict keys of the state, which the marker cannot
 * see: undefined when it never evicts, else the reason. `maxmemory` 0 means no limit (nothing
 * is ever evicted whatever the policy).
 */
export function evictionRisk(policy: string | undefined, maxmemoryBytes: number | undefined): string | undefined {
  if (maxmemoryBytes === 0) return undefined;
  if (policy === 'noeviction') return undefined;
  if (policy === undefined) return 'maxmemory-policy unknown';
  return `maxmemory-policy is ${policy} with maxmemory ${maxmemoryBytes ?? 'unknown'} bytes: Redis may evict state keys, and a partial loss is not detected (set maxmemory-policy noeviction)`;
}
