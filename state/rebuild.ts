// Rebuilds the Redis state from the compacted topics (docs/architecture.md "Redis state": a rebuildable cache):
//   cashflow.contract-terms        → contracts (terms, observed events) and the dependency index
//   cashflow.market-observations   → market data series
//   cashflow.contract-cashflows    → last published fingerprint and version per contract
//   cashflow.positions             → positions and the portfolio membership
// Reads every partition from the beginning up to the end offsets seen at the start, with a
// throw-away consumer group (deleted at the end). Writes are version-guarded, so a rebuild next
// to running processors never moves state backwards; `clear` empties the prefix first (after a
// FLUSHALL it is empty anyway). It does not write the state marker: state/healing.ts does, under
// the rebuild lock, once this has returned (processors and `cashflow state rebuild` alike).
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import { connectRedis } from '../clients/redis.js';
import type { AvroCodec } from '../clients/schema-registry.js';
import { ClientScope } from '../dependencies/scope.js';
import type { ContractTerms, MarketObservation, Position } from '../schemas/types.js';
import type { Schedule } from '../wire/schedule.js';
import type { TopicId, Topology } from '../topology/topology.js';
import { dependencyKeys } from './observer.js';
import { emptyWrites, observedEventKey, type StateStore, type StateWrites, type StoredContract } from './model.js';
import { clearState } from './redis-store.js';
import { REBUILD_LOCK_KEY } from './readiness.js';

export interface RebuildOptions {
  config: Config;
  topology: Topology;
  store: StateStore;
  /** Key prefix of the store; with `clear`, its keys are removed before the rebuild. */
  redisPrefix?: string;
  clear?: boolean;
  maxBatchSize?: number;
  /** Called after every applied batch (progress output). */
  onProgress?: (p: RebuildProgress) => void;
  timeoutMs?: number;
  /** Ends the rebuild early (its process is stopping): it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RebuildProgress {
  records: number;
  total: number;
}

export interface RebuildOutcome {
  contracts: number;
  observations: number;
  results: number;
  positions: number;
  records: number;
  clearedKeys: number;
  durationMs: number;
}

const REBUILD_TOPICS: readonly TopicId[] = ['contractTerms', 'marketObservations', 'contractCashflows', 'positions'];

/** The stored form of a contract-terms message. */
export function contractFromMessage(t: ContractTerms): StoredContract {
  const events: StoredContract['events'] = {};
  for (const e of t.observedEvents) {
    events[observedEventKey(e.eventType, e.observedAt)] = { ...e, version: t.version, deleted: false };
  }
  return {
    contractId: t.contractId,
    contractType: t.contractType,
    terms: t.terms,
    termsVersion: t.version,
    deleted: t.deleted,
    updatedAt: t.updatedAt,
    sourceTsMs: t.sourceTsMs,
    events,
    version: t.version,
  };
}

/** State writes for a batch of decoded records of the rebuild topics. */
export async function rebuildWrites(
  store: StateStore,
  terms: readonly ContractTerms[],
  observations: readonly MarketObservation[],
  results: readonly Pick<Schedule, 'contractId' | 'fingerprint' | 'version' | 'status'>[],
  positions: readonly Position[] = [],
): Promise<StateWrites> {
  const w = emptyWrites();
  const latest = new Map<string, ContractTerms>();
  for (const t of terms) latest.set(t.contractId, t);
  const previous = await store.dependenciesOfContracts([...latest.keys()]);
  for (const t of latest.values()) {
    w.contracts.push(contractFromMessage(t));
    let deps: string[] = [];
    try {
      deps = dependencyKeys(t.terms, t.deleted);
    } catch {
      deps = [];
    }
    const now = new Set(deps);
    w.links.push({ contractId: t.contractId, dependencies: deps, removed: (previous.get(t.contractId) ?? []).filter((k) => !now.has(k)) });
  }
  for (const o of observations) {
    w.market.push({ marketObjectCode: o.marketObjectCode, observedAt: o.observedAt, value: o.value, version: o.version, deleted: o.deleted });
  }
  for (const r of results) {
    w.published.push({ contractId: r.contractId, fingerprint: r.fingerprint, version: r.version, status: r.status });
  }
  const latestPositions = new Map<string, Position>();
  for (const p of positions) latestPositions.set(p.positionId, p);
  const stored = await store.positions([...latestPositions.keys()]);
  for (const p of latestPositions.values()) {
    w.positions.push({ position: { ...p }, previousPortfolioId: stored.get(p.positionId)?.portfolioId ?? null });
  }
  return w;
}

export async function rebuildState(options: RebuildOptions): Promise<RebuildOutcome> {
  // every client of the rebuild closes on every path (clients/scope.ts): an admin client left
  // open after an error kept `cashflow state rebuild` running with the registry down
  const clients = new ClientScope(options.config);
  try {
    return await rebuildWith(clients, options);
  } finally {
    await clients.close();
  }
}

async function rebuildWith(clients: ClientScope, options: RebuildOptions): Promise<RebuildOutcome> {
  const started = Date.now();
  const { config, topology, store } = options;
  let clearedKeys = 0;
  if (options.clear) {
    if (!options.redisPrefix) throw new Error('rebuildState: clear needs the store\'s redisPrefix');
    const raw = await connectRedis(config, { name: 'cashflow-state-rebuild' });
    try {
      // the lock stays: it is the caller's (state/healing.ts rebuildWithLock)
      clearedKeys = await clearState(raw, options.redisPrefix, { keep: [REBUILD_LOCK_KEY] });
    } finally {
      raw.disconnect();
    }
  }
  const names = new Map(REBUILD_TOPICS.map((id) => [topology.topic(id).name, id]));
  const admin = await clients.admin('cashflow-state-rebuild');
  const groupId = `${topology.options.prefix}cashflow.state-rebuild-${randomBytes(4).toString('hex')}`;
  /** topic → partition → last offset to read (high watermark - 1). */
  const targets = new Map<string, Map<number, bigint>>();
  let total = 0;
  for (const name of names.keys()) {
    const offsets = await admin.fetchTopicOffsets(name);
    const parts = new Map<number, bigint>();
    for (const p of offsets) {
      const high = BigInt(p.high ?? p.offset);
      const low = BigInt(p.low ?? '0');
      if (high > low) {
        parts.set(p.partition, high - 1n);
        total += Number(high - low);
      }
    }
    targets.set(name, parts);
  }
  const pending = () => [...targets.values()].reduce((n, m) => n + m.size, 0);
  let records = 0;
  let contracts = 0;
  let observations = 0;
  let results = 0;
  let positions = 0;
  options.signal?.throwIfAborted();
  if (pending() > 0) {
    const codec: AvroCodec = await clients.codec(topology);
    const consumer = await clients.consumer({ groupId, fromBeginning: true, maxBatchSize: options.maxBatchSize ?? 5000, clientId: 'cashflow-state-rebuild' });
    try {
      let done!: () => void;
      let failed!: (e: unknown) => void;
      const finished = new Promise<void>((res, rej) => {
        done = res;
        failed = rej;
      });
      await consumer.subscribe({ topics: [...names.keys()] });
      await consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          try {
            const id = names.get(batch.topic)!;
            const terms: ContractTerms[] = [];
            const obs: MarketObservation[] = [];
            const res: Schedule[] = [];
            const held: Position[] = [];
            const target = targets.get(batch.topic)!.get(batch.partition);
            for (const m of batch.messages) {
              if (target !== undefined && BigInt(m.offset) > target) break;
              records++;
              if (!m.value || m.value.length === 0) continue;
              if (id === 'contractTerms') terms.push(await codec.decode('contractTerms', m.value));
              else if (id === 'marketObservations') obs.push(await codec.decode('marketObservations', m.value));
              else if (id === 'positions') held.push(await codec.decode('positions', m.value));
              else res.push(await codec.decode('contractCashflows', m.value));
            }
            await store.apply(await rebuildWrites(store, terms, obs, res, held));
            positions += held.length;
            contracts += terms.length;
            observations += obs.length;
            results += res.length;
            options.onProgress?.({ records, total });
            const last = BigInt(batch.messages[batch.messages.length - 1].offset);
            if (target !== undefined && last >= target) {
              targets.get(batch.topic)!.delete(batch.partition);
              if (pending() === 0) done();
            }
          } catch (e) {
            failed(e);
            throw e;
          }
        },
      });
      const timeoutMs = options.timeoutMs ?? 30 * 60_000;
      // one signal for both ways to end early: the deadline, or the caller stopping
      const deadline = AbortSignal.timeout(timeoutMs);
      const stop = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
      let onStop: (() => void) | undefined;
      await Promise.race([
        finished,
        new Promise((_, rej) => {
          onStop = () =>
            rej(options.signal?.aborted ? options.signal.reason : new Error(`state rebuild did not reach the end offsets within ${timeoutMs} ms`));
          if (stop.aborted) onStop();
          else stop.addEventListener('abort', onStop, { once: true });
        }),
      ]).finally(() => {
        if (onStop) stop.removeEventListener('abort', onStop);
      });
    } finally {
      await consumer.disconnect().catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
    }
  }
  return { contracts, observations, results, positions, records, clearedKeys, durationMs: Date.now() - started };
}
