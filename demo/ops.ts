// Operational helpers shared by `cashflow recalc`, `state rebuild`, `demo`, `bench pipeline`
// and the end-to-end tests: progress bars on stderr, paging contract ids out of the database,
// producing recalc requests, and waiting for consumer groups to catch up with offsets.
import cliProgress from 'cli-progress';
import { loadPipelineConfig, type Config } from '../config/config.js';
import { openSql, withSql } from '../db/open.js';
import type { Admin } from '../clients/kafka.js';
import { backoffDelayMs } from '../clients/backoff.js';
import { connectRedis } from '../clients/redis.js';
import type { StateStore } from '../state/model.js';
import { RedisStateStore } from '../state/redis-store.js';
import type { Topology } from '../topology/topology.js';

// ------------------------------------------------------------------ progress on stderr

export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

const openBars = new Set<Progress>();

/** Stops every bar still open (after an error): their redraw timers would keep the process alive. */
export function stopAllBars(): void {
  for (const b of [...openBars]) b.stop();
}

/**
 * A cli-progress bar with rate and ETA on stderr. When stderr is not a terminal it prints a
 * line every few seconds instead (logs stay readable).
 */
export async function progressBar(label: string, total: number, unit = 'items'): Promise<Progress> {
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} {bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {etaText} | {duration_formatted}`,
      stream: process.stderr,
      hideCursor: false,
      noTTYOutput: true,
      notTTYSchedule: 3000,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let currentTotal = Math.max(total, 1);
  bar.start(currentTotal, 0, { rate: '0', etaText: '-' });
  let stopped = false;
  const progress: Progress = {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal((currentTotal = Math.max(newTotal, 1)));
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? value / seconds : 0;
      bar.update(value, { rate: Math.round(rate).toString(), etaText: rate > 0 ? formatSeconds((currentTotal - value) / rate) : '-' });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      openBars.delete(progress);
      bar.stop();
    },
  };
  openBars.add(progress);
  return progress;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '-';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

// ------------------------------------------------------------------ contract ids from the database

/** Number of rows in contracts. */
export async function countContracts(config: Pick<Config, 'database'>): Promise<number> {
  return withSql(config, async (q) => Number((await q('SELECT count(*) AS n FROM contracts', []))[0]?.n ?? 0));
}

/** Every contract id, in pages (keyset pagination: constant cost per page on any table size). */
export async function* contractIdPages(config: Pick<Config, 'database'>, pageSize = 10_000): AsyncGenerator<string[]> {
  const { q, dialect, close } = await openSql(config);
  try {
    let after = '';
    for (;;) {
      const rows =
        dialect === 'mssql'
          ? await q('SELECT TOP (@p2) contract_id FROM contracts WHERE contract_id > @p1 ORDER BY contract_id', [after, pageSize])
          : await q('SELECT contract_id FROM contracts WHERE contract_id > $1 ORDER BY contract_id LIMIT $2', [after, pageSize]);
      const page = rows.map((r) => String(r.contract_id));
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1];
    }
  } finally {
    await close();
  }
}

export { openSql, withSql } from '../db/open.js';

// ------------------------------------------------------------------ the state store

/** The Redis key prefix of this environment's state (as `cashflow run` reads it). */
export function redisPrefix(env?: Record<string, string | undefined>): string {
  return loadPipelineConfig(env).redisPrefix;
}

/** The state store the processors of this environment use (its Redis key prefix). */
export async function openStore(config: Pick<Config, 'redisUrl'>): Promise<{ store: StateStore; close(): Promise<void> }> {
  const redis = await connectRedis(config, { name: 'cashflow-cli', keyPrefix: redisPrefix() });
  return { store: new RedisStateStore(redis), close: async () => void (await redis.quit().catch(() => redis.disconnect())) };
}

// ------------------------------------------------------------------ producing recalc requests

export { manualRequest, portfolioContracts, sendRecalcRequests } from '../processors/recalc-requests.js';

// ------------------------------------------------------------------ offsets and consumer groups

export type PartitionOffsets = Map<number, bigint>;

/** The end (high watermark) of every partition of a topic. */
export async function topicEnds(admin: Admin, topic: string): Promise<PartitionOffsets> {
  const out: PartitionOffsets = new Map();
  for (const o of await whileCoordinatorMoves(() => admin.fetchTopicOffsets(topic))) out.set(o.partition, BigInt(o.high));
  return out;
}

/**
 * Kafka's protocol errors that say a group coordinator is still loading its offsets or has moved
 * (COORDINATOR_LOAD_IN_PROGRESS 14, COORDINATOR_NOT_AVAILABLE 15, NOT_COORDINATOR 16): a broker
 * that has just restarted answers so for a few seconds; asking again is the documented remedy.
 */
const COORDINATOR_MOVING = new Set([14, 15, 16]);

/** `read`, asked again (with backoff, for up to a minute) while the coordinator is moving. */
export async function whileCoordinatorMoves<T>(read: () => Promise<T>, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code !== 'number' || !COORDINATOR_MOVING.has(code) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, backoffDelayMs({ initialMs: 100, maxMs: 2000 }, attempt)));
    }
  }
}

/** A group's committed offsets on a topic (partitions it never committed: -1). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<PartitionOffsets> {
  const out: PartitionOffsets = new Map();
  const r = await whileCoordinatorMoves(() => admin.fetchOffsets({ groupId, topics: [topic] }));
  for (const t of r) for (const p of t.partitions) out.set(p.partition, BigInt(p.offset));
  return out;
}

/** How many messages between `from` and `to` the group has committed past. */
export function consumedBetween(committed: PartitionOffsets, from: PartitionOffsets, to: PartitionOffsets): number {
  let done = 0n;
  for (const [p, end] of to) {
    const start = from.get(p) ?? 0n;
    const c = committed.get(p) ?? -1n;
    if (c > start) done += (c < end ? c : end) - start;
  }
  return Number(done);
}

export function caughtUp(committed: PartitionOffsets, to: PartitionOffsets): boolean {
  for (const [p, end] of to) if ((committed.get(p) ?? -1n) < end && end > 0n) return false;
  return true;
}

export class WaitTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: not caught up after ${Math.round(ms / 1000)} s (are the processors running? \`cashflow start\`)`);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Waits until `groupId` has committed past `to` on `topic` (every message up to the
 * offsets in `to` is processed and its effects durable: the runner commits only then).
 */
export async function waitForGroup(
  admin: Admin,
  groupId: string,
  topic: string,
  to: PartitionOffsets,
  options: { from?: PartitionOffsets; onProgress?: (done: number, total: number) => void; timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const from = options.from ?? new Map<number, bigint>();
  const total = consumedBetween(to, from, to);
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  for (;;) {
    const committed = await committedOffsets(admin, groupId, topic);
    options.onProgress?.(consumedBetween(committed, from, to), total);
    if (caughtUp(committed, to)) return;
    if (Date.now() > deadline) throw new WaitTimeoutError(`${groupId} on ${topic}`, options.timeoutMs ?? 30 * 60_000);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}

export type WaitPhase = 'computing' | 'writing';

/**
 * Waits until the requests between `from` and `to` on recalc-requests are computed and their
 * rows committed: the calculator's group past `to`, then the sink's group past the results the
 * calculator had produced by then (each runner commits only once its effects are durable, and
 * an unchanged schedule produces no result, so offsets, not cashflow_versions, tell). `phase`
 * wraps each wait (a progress bar); `pollMs` is how often the offsets are read.
 */
export async function waitForResults(
  admin: Admin,
  topology: Topology,
  from: PartitionOffsets,
  to: PartitionOffsets,
  options: { timeoutMs: number; pollMs?: number; phase?: (phase: WaitPhase, wait: (onProgress: (done: number, total: number) => void) => Promise<void>) => Promise<void> },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const phase = options.phase ?? ((_, wait) => wait(() => {}));
  const requests = topology.topic('recalcRequests').name;
  await phase('computing', (onProgress) => waitForGroup(admin, topology.processor('calculator').consumerGroup, requests, to, { from, onProgress, timeoutMs: left(), pollMs: options.pollMs }));
  const results = topology.topic('contractCashflows').name;
  const sinkGroup = topology.processor('sink').consumerGroup;
  const [sinkFrom, sinkTo] = await Promise.all([committedOffsets(admin, sinkGroup, results), topicEnds(admin, results)]);
  await phase('writing', (onProgress) => waitForGroup(admin, sinkGroup, results, sinkTo, { from: sinkFrom, onProgress, timeoutMs: left(), pollMs: options.pollMs }));
}

/** True when every processor's group has committed up to the current end of each of its inputs. */
export async function pipelineQuiet(admin: Admin, topology: Topology): Promise<boolean> {
  for (const p of topology.processors) {
    if (p.observer) continue; // the verifier: results wait for nothing it does
    for (const input of p.inputs) {
      const topic = topology.topic(input).name;
      const ends = await topicEnds(admin, topic);
      const committed = await committedOffsets(admin, p.consumerGroup, topic);
      for (const [partition, end] of ends) if (end > 0n && (committed.get(partition) ?? -1n) < end) return false;
    }
  }
  return true;
}

/** Waits until the pipeline is quiet twice in a row (nothing in flight anywhere). */
export async function waitForQuiet(admin: Admin, topology: Topology, timeoutMs = 10 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietOnce = false;
  for (;;) {
    const quiet = await pipelineQuiet(admin, topology);
    if (quiet && quietOnce) return;
    quietOnce = quiet;
    if (Date.now() > deadline) throw new Error(`the pipeline is still busy after ${Math.round(timeoutMs / 1000)} s (see the processor logs)`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Normalises `--as-of` (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`) to `YYYY-MM-DDTHH:MM:SS`. */
export function normaliseAsOf(raw: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(raw.trim());
  if (!m || Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`))) throw new RangeError(`not a date: "${raw}" (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)`);
  return `${m[1]}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}`;
}
