// verifier: `cashflow verify` running continuously at a low rate, as a processor of its own.
//
// Design. The verifier reads the database (sources and results), not a topic, so its work is a
// periodic task the process hosts (ProcessorDefinition.background, started and stopped with the
// runners, its detail in /readyz). It is still a processor with an input, cashflow.contract-
// cashflows in its own consumer group: the results going by are the contracts the sink has just
// written, checked first (a bad write is caught seconds after it lands); the group commits at
// once (it only notes ids). With those done, the rest of each second's budget
// (CASHFLOW_VERIFY_RATE contracts/s) walks the whole book in keyset order, round and round: a
// rolling sample that eventually covers every contract, deleted ones and orphan rows included.
//
// In flight is not wrong: a result lags its source by design (CDC, calculator, sink). A contract
// found wrong is a suspect, re-checked after CASHFLOW_VERIFY_GRACE_SECONDS; it is reported
// (cashflow_verify_mismatches_total, the last one in /readyz, a log line) only when it is still
// wrong then and its stored version has not moved in between (the pipeline did nothing for it).
// A version that moved means work in flight: the grace period starts again.
import { Counter, Gauge } from 'prom-client';
import { loadPipelineConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { emptyWrites } from '../state/model.js';
import type { BackgroundServices, BackgroundTask, ProcessorDefinition } from './processor.js';
import type { Verdict, VerdictKind } from './verification.js';
import { Verification } from './verify-run.js';

export interface Suspect {
  kind: VerdictKind;
  storedVersion: number | null;
  /** When it was first found wrong at this stored version (ms). */
  since: number;
}

export type Judgement = { action: 'ok' } | { action: 'recheck'; suspect: Suspect } | { action: 'report' };

/** The in-flight rule: what a verdict means given what was known of the contract before. Pure. */
export function judge(verdict: Verdict, previous: Suspect | undefined, now: number, graceMs: number): Judgement {
  if (verdict.kind === 'equal' || verdict.kind === 'rejected') return { action: 'ok' };
  if (!previous || previous.storedVersion !== verdict.storedVersion) {
    return { action: 'recheck', suspect: { kind: verdict.kind, storedVersion: verdict.storedVersion, since: now } };
  }
  if (now - previous.since >= graceMs) return { action: 'report' };
  return { action: 'recheck', suspect: { ...previous, kind: verdict.kind } };
}

const MAX_PENDING = 10_000;
const TICK_MS = 1000;
/** A result just consumed is checked once the sink has had this long to write it. */
const SINK_DELAY_MS = 2000;

export interface VerifierOptions {
  ratePerSecond: number;
  graceMs: number;
}

interface LastMismatch {
  contractId: string;
  kind: VerdictKind;
  storedVersion: number | null;
  at: string;
  differences: Verdict['differences'];
}

class VerifierTask implements BackgroundTask {
  private services: BackgroundServices | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Contracts whose results went by, with when (insertion order = age). */
  private readonly recent = new Map<string, number>();
  private readonly suspects = new Map<string, Suspect>();
  /** The rolling walk's position (null: from the start). */
  private cursor: string | null = null;
  private checked = 0;
  private mismatches = 0;
  private lastMismatch: LastMismatch | null = null;
  private lastError: string | null = null;
  private checkedTotal: Counter | undefined;
  private mismatchesTotal: Counter<'kind'> | undefined;

  private options!: VerifierOptions;

  constructor(private readonly readOptions: () => VerifierOptions) {}

  noteResults(ids: Iterable<string>, now: number): void {
    for (const id of ids) {
      if (this.recent.has(id)) continue;
      if (this.recent.size >= MAX_PENDING) return; // a full recompute: the walk covers the rest
      this.recent.set(id, now);
    }
  }

  start(services: BackgroundServices): void {
    this.services = services;
    this.options = this.readOptions();
    const registers = [services.registry];
    this.checkedTotal = new Counter({ name: 'cashflow_verify_checked_total', help: 'contracts the verifier compared with a fresh computation from the source tables', registers });
    this.mismatchesTotal = new Counter({
      name: 'cashflow_verify_mismatches_total',
      help: 'contracts found wrong (missing, stale, extra, differing) and still wrong, at the same stored version, after the grace period',
      labelNames: ['kind'],
      registers,
    });
    const suspects = this.suspects;
    new Gauge({
      name: 'cashflow_verify_suspects',
      help: 'contracts found wrong, waiting for their re-check',
      registers,
      collect() {
        this.set(suspects.size);
      },
    });
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = this.tick().finally(schedule);
      }, TICK_MS);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  health(): Record<string, unknown> {
    return { checked: this.checked, mismatches: this.mismatches, suspects: this.suspects.size, lastMismatch: this.lastMismatch, lastError: this.lastError };
  }

  /** One second's budget: due re-checks, then results that went by, then the rolling walk. */
  private async tick(): Promise<void> {
    const s = this.services!;
    const { ratePerSecond, graceMs } = this.options;
    const now = s.now();
    const ids = new Set<string>();
    for (const [id, suspect] of this.suspects) {
      if (ids.size >= ratePerSecond) break;
      if (now - suspect.since >= graceMs) ids.add(id);
    }
    for (const [id, seenAt] of this.recent) {
      if (ids.size >= ratePerSecond || now - seenAt < SINK_DELAY_MS) break;
      this.recent.delete(id);
      if (!this.suspects.has(id)) ids.add(id);
    }
    try {
      const db: Database = await s.database();
      const verification = new Verification(db, { horizon: s.horizon, maxReported: 0 });
      const verdicts: Verdict[] = ids.size ? await verification.check({ ids: [...ids] }) : [];
      const room = ratePerSecond - ids.size;
      if (room > 0) {
        // the walk reads ranges of ids, so rows of contracts known nowhere else are seen too
        const page = await db.verificationIds(this.cursor, room);
        const through = page.length < room ? null : page[page.length - 1];
        for (const v of await verification.check({ after: this.cursor, through })) if (!ids.has(v.contractId)) verdicts.push(v);
        this.cursor = through;
      }
      this.checked += verdicts.length;
      this.checkedTotal!.inc(verdicts.length);
      for (const v of verdicts) this.judged(v, s.now(), graceMs);
      this.lastError = null;
    } catch (e) {
      // the database down, a restart: the next tick tries again (the pipeline's own retries cover the results)
      const message = (e as Error).message;
      if (this.lastError !== message) s.log('warn', 'verifier check failed', { error: message });
      this.lastError = message;
    }
  }

  private judged(v: Verdict, now: number, graceMs: number): void {
    const j = judge(v, this.suspects.get(v.contractId), now, graceMs);
    if (j.action === 'ok') {
      this.suspects.delete(v.contractId);
      return;
    }
    if (j.action === 'recheck') {
      if (this.suspects.has(v.contractId) || this.suspects.size < MAX_PENDING) this.suspects.set(v.contractId, j.suspect);
      return;
    }
    this.suspects.delete(v.contractId);
    this.mismatches++;
    this.mismatchesTotal!.inc({ kind: v.kind });
    this.lastMismatch = { contractId: v.contractId, kind: v.kind, storedVersion: v.storedVersion, at: new Date(now).toISOString(), differences: v.differences.slice(0, 5) };
    this.services!.log('warn', 'verifier: stored result differs from the source tables', { ...this.lastMismatch });
  }
}

/** A verifier for one process (its state is the process's own: the pending checks and the walk). */
export function createVerifier(options?: VerifierOptions): ProcessorDefinition {
  const task = new VerifierTask(() => {
    if (options) return options;
    const c = loadPipelineConfig();
    return { ratePerSecond: c.verifyRate, graceMs: c.verifyGraceSeconds * 1000 };
  });
  return {
    name: 'verifier',
    stateOrder: 'after-outputs',
    async process(records, ctx) {
      task.noteResults(
        records.flatMap((r) => (r.key ? [r.key] : [])),
        ctx.now(),
      );
      return { outputs: [], writes: emptyWrites(), deadLetters: [] };
    },
    background: task,
  };
}
