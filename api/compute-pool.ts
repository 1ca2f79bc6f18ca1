// Synchronous requests computed off the main thread (README "API", bounded work): the main
// thread parses, validates, reads the cache and the store and writes answers, so `/healthz` and
// every other request keep being answered while a heavy request computes (a 40-copy request of
// a 95,846-event case blocked `/healthz` for 6 s). Each worker thread has a heap of its own,
// limited (API_SYNC_HEAP_MB): a computation that exhausts it ends that worker, not the process.
// A request over its time (API_SYNC_TIMEOUT_MS) stops at the next case; one case that runs far
// past it has its worker terminated. Either way the request gets SyncLimitError (422) and a
// fresh worker takes the next one. Requests wait in order for a free worker.
//
// With no workers (API_SYNC_WORKERS=0, or run from the TypeScript sources, as the unit tests
// do) the cases are computed on the main thread under the same event and time budget.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TestBedCase } from '../engine/index.js';
import type { ComputeTask } from './compute-worker.js';
import {
  computeCases,
  overBudgetMessage,
  type SyncBudget,
  type SyncOutcome,
  type SyncOverBudget,
} from './sync-compute.js';

export interface ComputePoolOptions {
  /** Worker threads (0: compute on the calling thread). */
  workers: number;
  /** Old-generation heap of each worker, MB. */
  heapMb: number;
  budget: SyncBudget;
  /** The worker script (default: compute-worker.js beside this module, when it exists). */
  workerUrl?: URL;
  /** How long past budget.maxMs a worker may run before it is terminated (default 2 s: one case finishing). */
  graceMs?: number;
}

/** A request over one of the sync limits: 422 with a message naming it. */
export class SyncLimitError extends Error {
  readonly statusCode = 422;
  constructor(
    readonly outcome: SyncOverBudget,
    message: string,
  ) {
    super(message);
    this.name = 'SyncLimitError';
  }
}

interface Pending {
  task: ComputeTask;
  resolve: (o: SyncOutcome) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending & { started: number; timer: NodeJS.Timeout };
}

/** How long past API_SYNC_TIMEOUT_MS a worker may run (one case finishing) before it is terminated. */
const GRACE_MS = 2_000;

export class ComputePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly workerUrl: URL | undefined;
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: ComputePoolOptions) {
    const url = options.workerUrl ?? new URL('./compute-worker.js', import.meta.url);
    this.workerUrl = options.workers > 0 && existsSync(fileURLToPath(url)) ? url : undefined;
    // started now, not on the first request: loading the engine in a thread takes a moment
    if (this.workerUrl) for (let i = 0; i < options.workers; i++) this.spawn();
  }

  /** True when the cases are computed on worker threads. */
  get threaded(): boolean {
    return this.workerUrl !== undefined;
  }

  /** The cases' results, or the limit they went over (never throws for a limit: see SyncLimitError). */
  run(cases: TestBedCase[]): Promise<SyncOutcome> {
    if (!this.workerUrl) return Promise.resolve(computeCases(cases, this.options.budget));
    if (this.closed) return Promise.reject(new Error('the compute pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, cases, budget: this.options.budget }, resolve, reject });
      this.dispatch();
    });
  }

  /** Throws SyncLimitError for an outcome over a limit; `ids` name the cases sent. */
  static check(outcome: SyncOutcome, limits: SyncBudget & { heapMb: number }, ids?: readonly string[]) {
    if (!outcome.ok) throw new SyncLimitError(outcome, overBudgetMessage(outcome, limits, ids));
    return outcome;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the compute pool is closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot) {
        if (this.slots.length >= this.options.workers) return;
        slot = this.spawn();
      }
      const p = this.queue.shift()!;
      const timer = setTimeout(
        () => this.fail(slot!, 'time'),
        this.options.budget.maxMs + (this.options.graceMs ?? GRACE_MS),
      );
      slot.busy = { ...p, started: performance.now(), timer };
      slot.worker.postMessage(p.task);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl!, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb },
    });
    const slot: Slot = { worker };
    worker.on('message', (m: { id: number; outcome: SyncOutcome }) => {
      const busy = slot.busy;
      if (!busy || busy.task.id !== m.id) return;
      clearTimeout(busy.timer);
      slot.busy = undefined;
      const o = m.outcome;
      busy.resolve(
        o.ok ? { ...o, bytes: Buffer.from(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength) } : o,
      );
      this.dispatch();
    });
    // out of memory (ERR_WORKER_OUT_OF_MEMORY) or any other end: the request it held fails
    worker.on('error', (e) =>
      this.fail(slot, (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : e),
    );
    worker.on('exit', () => this.fail(slot, new Error('compute worker exited')));
    this.slots.push(slot);
    return slot;
  }

  /** Ends a slot's worker and its request; the next request gets a fresh worker. */
  private fail(slot: Slot, why: 'time' | 'memory' | unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const busy = slot.busy;
    slot.busy = undefined;
    void slot.worker.terminate();
    if (busy) {
      clearTimeout(busy.timer);
      if (why === 'time' || why === 'memory')
        busy.resolve({
          ok: false,
          limit: why,
          computed: 0,
          total: busy.task.cases.length,
          events: 0,
          elapsedMs: performance.now() - busy.started,
        });
      else busy.reject(why);
    }
    if (!this.closed) this.dispatch();
  }
}
