// job-worker: computes the API's jobs (docs/api.md). A chunk on the jobs topic that carries its
// cases (JobChunk.cases, test bed JSON) is computed exactly like a synchronous request
// (api/compute.ts: store market data for codes the body lacks, then the `cashflow actus` code
// path, engine/testbed.ts computeCase); its events go to Redis under the job in columns
// (wire/packed-results.ts, api/job-store.ts; rendered to the same JSON when the result is
// fetched), counted once per chunk even when Kafka redelivers it, and a progress or completed
// event goes to job-events (none while the job is staged: its body is still streaming into the
// API, which may yet refuse it, api/staged-jobs.ts; its chunks are computed meanwhile). Chunks
// without cases are recalculation jobs of stored contracts: impact's, ignored here.
// The worker that stores a job's last chunk POSTs the completion to the job's callback URL (if
// it asked for one) before the completed event goes out, with retries; the outcome is recorded
// on the job. A crash before it is recorded redelivers the chunk, which finds the job complete
// and tries the callback again (at least once). Job events are not an input: consuming them in
// the same group would let the assignor hand one worker all job-events partitions and the
// other all the chunks.
import { loadConfig, type CallbackConfig } from '../config/config.js';
import { CallbackAddresses } from '../api/callback-address.js';
import { CallbackRefusedError, postCallback } from '../api/callback-delivery.js';
import { missingCodesOf, withStoreData, type Cases } from '../api/compute.js';
import { ResultsPacker } from '../wire/packed-results.js';
import { evaluateCase, prepareCase, type ComputedCase, type PreparedCase } from '../engine/index.js';
import { JobStore, type JobRecord } from '../api/job-store.js';
import type { ApiJobChunk } from '../api/jobs.js';
import type { JobEvent } from '../schemas/types.js';
import type { BatchOutcome, OutputRecord, ProcessorContext, ProcessorDefinition } from './processor.js';
import { avroValue } from './processor.js';
import { stderrLogAt, type Log } from '../clients/log.js';
import { BreakerOpenError, type Breakers } from '../clients/breaker.js';
import { emptyWrites, type MarketSeries } from '../state/model.js';

const CALLBACK_ATTEMPTS = 5;
const CALLBACK_TIMEOUT_MS = 5_000;
/** Longest wait between attempts for an open breaker: every attempt fits the callback's claim (120 s). */
const MAX_CALLBACK_WAIT_MS = 15_000;

// packers kept between chunks (finish() empties one, its columns stay allocated), one per chunk
// being packed (two partitions are processed at once, and a chunk may await the store midway)
const packers: ResultsPacker[] = [];

let ttlSeconds: number | undefined;
let maxEventsPerChunk: number | undefined;
function chunkMaxEvents(): number {
  return (maxEventsPerChunk ??= loadConfig(process.env, ['api.jobChunkMaxEvents']).api.jobChunkMaxEvents);
}
function jobStore(ctx: ProcessorContext): JobStore {
  const redis = ctx.redis?.();
  if (!redis) throw new Error('job-worker needs the Redis client of its runner');
  ttlSeconds ??= loadConfig(process.env, ['api.jobTtlSeconds']).api.jobTtlSeconds;
  return new JobStore(redis, ttlSeconds);
}

/**
 * A chunk's cases computed and packed (wire/packed-results.ts), in the chunk's order, with the
 * market data their bodies lack read from the store (`series`; a fault there is retriable: it
 * propagates). Each case's terms are parsed once, for its dependencies and to compute it. A case
 * that needs nothing from the store is computed and packed at once (its parsed terms and events
 * die young: holding a chunk's 1,000 parsed terms until its end made every scavenge copy them);
 * from the first case that does, the rest wait for one store read. Takes `cases` over: a case
 * computed at once is deleted from it, so that a scavenge meanwhile copies only the cases still
 * to compute, not the whole parsed chunk.
 */
export async function computeChunk(
  cases: Cases,
  series: (codes: string[]) => Promise<ReadonlyMap<string, MarketSeries>>,
  maxEvents = Infinity,
): Promise<{ packed: Uint8Array; count: number }> {
  const packer = packers.pop() ?? new ResultsPacker();
  packer.clear();
  // The chunk's event budget (API_JOB_CHUNK_MAX_EVENTS): a case is bounded by the engine's
  // schedule limit, a chunk of them is not, and a chunk that cannot be packed within the
  // worker's heap would end the worker on every redelivery. Cases past the budget get an error
  // naming it (the same cases on every redelivery: the chunk's order decides).
  let events = 0;
  const add = (id: string, r: ComputedCase) => {
    if ('events' in r) {
      if (events + r.events.length > maxEvents) r = { error: overBudget(maxEvents, r.events.length) };
      else events += r.events.length;
    }
    packer.add(id, r);
  };
  const ids = Object.keys(cases);
  let waiting: { id: string; prepared: PreparedCase }[] | undefined;
  const missing = new Map<string, string[]>();
  for (const id of ids) {
    const c = cases[id];
    const prepared = prepareCase(c);
    const codes = missingCodesOf(c, prepared);
    if (codes) missing.set(id, codes);
    if (waiting || codes) (waiting ??= []).push({ id, prepared });
    else {
      delete cases[id];
      add(id, evaluateCase(c, prepared));
    }
  }
  if (waiting) {
    const found = await series([...new Set([...missing.values()].flat())]);
    const full = withStoreData(cases, missing, found).cases;
    for (const w of waiting) add(w.id, evaluateCase(full[w.id], w.prepared));
  }
  // the engine's events in columns, no JSON (the API renders them when the result is fetched)
  const packed = packer.finish();
  packers.push(packer);
  return { packed, count: ids.length };
}

function overBudget(maxEvents: number, caseEvents: number): string {
  return `not computed: its ${caseEvents} events would take this chunk past ${maxEvents} events (API_JOB_CHUNK_MAX_EVENTS); send such contracts in smaller jobs (API_JOB_CHUNK_SIZE) or with a nearer maturity or "to"`;
}

let callbackSettings: CallbackConfig | undefined;

/**
 * POSTs the job's end to its callback URL, signed, to an allowed address only
 * (api/callback-delivery.ts); returns the attempts made and whether one succeeded. Without
 * API_CALLBACK_SECRET, or to an address a rule refuses, nothing is sent and nothing retried.
 */
export async function deliverCallback(
  job: JobRecord,
  status: 'completed' | 'failed',
  options: {
    attempts?: number;
    initialDelayMs?: number;
    callbacks?: CallbackConfig;
    log?: Log;
    /** The process's breakers: the callbacks' receivers get one each (clients/breaker.ts). */
    breakers?: Breakers;
  } = {},
): Promise<{ delivered: boolean; attempts: number }> {
  const attempts = options.attempts ?? CALLBACK_ATTEMPTS;
  const settings = options.callbacks ?? (callbackSettings ??= loadConfig(process.env, ['api.callbacks']).api.callbacks);
  const log = options.log ?? stderrLogAt('info');
  if (!settings.secret) {
    log('warn', 'callback not sent: callbacks are signed with API_CALLBACK_SECRET, which is not set', { jobId: job.jobId });
    return { delivered: false, attempts: 0 };
  }
  const post = {
    secret: settings.secret,
    addresses: new CallbackAddresses(settings),
    timeoutMs: CALLBACK_TIMEOUT_MS,
    headers: { 'x-cashflow-job': job.jobId },
  };
  const body = JSON.stringify({
    jobId: job.jobId,
    status,
    contracts: job.contractsTotal,
    contractsDone: job.contractsDone,
    completedAt: job.completedAtMs ? new Date(job.completedAtMs).toISOString() : null,
    error: job.error,
    resultUrl: `/v1/jobs/${job.jobId}/result`,
  });
  // one breaker per receiver (its origin): a receiver that is down is not waited for on every
  // job's attempts, one timeout each while the job-worker's partition waits, and others are not held
  const breaker = options.breakers?.of('callbacks', new URL(job.callbackUrl!).origin, (e) => !(e instanceof CallbackRefusedError));
  const send = async () => {
    const answer = await postCallback(job.callbackUrl!, body, post);
    if (answer >= 500 || answer === 408 || answer === 429) throw new ReceiverBusyError(answer);
    return answer;
  };
  let delay = options.initialDelayMs ?? 250;
  let wait = delay;
  for (let n = 1; n <= attempts; n++) {
    wait = delay;
    try {
      const answer = await (breaker ? breaker.execute(send) : send());
      if (answer >= 200 && answer < 300) return { delivered: true, attempts: n };
      // 3xx (redirects are not followed) and 4xx other than 408/429: retrying will not change it
      return { delivered: false, attempts: n };
    } catch (e) {
      if (e instanceof CallbackRefusedError) {
        log('warn', `callback not sent: ${e.message}`, { jobId: job.jobId });
        return { delivered: false, attempts: n };
      }
      if (e instanceof BreakerOpenError) {
        // nothing sent: the receiver failed repeatedly a moment ago; try when the breaker lets one through
        wait = Math.min(Math.max(delay, e.halfOpenInMs), MAX_CALLBACK_WAIT_MS);
        if (n === attempts) log('warn', 'callback not sent: the receiver failed repeatedly and its circuit breaker is open', { jobId: job.jobId, attempts });
      }
      // a 5xx, 408 or 429, a network error or a timeout: retry
    }
    if (n < attempts) await new Promise((r) => setTimeout(r, wait));
    delay *= 4;
  }
  return { delivered: false, attempts };
}

/** A receiver's answer that asks to be tried again (5xx, 408, 429): a failure for its breaker. */
class ReceiverBusyError extends Error {
  constructor(readonly status: number) {
    super(`callback receiver answered ${status}`);
    this.name = 'ReceiverBusyError';
  }
}

/** The job's callback, unless it has none, it was delivered or given up, or another worker is delivering it. */
async function callback(
  jobs: JobStore,
  job: JobRecord,
  type: 'completed' | 'failed',
  nowMs: number,
  breakers?: Breakers,
): Promise<void> {
  if (!job.callbackUrl || job.callbackStatus === 'delivered' || job.callbackStatus === 'failed') return;
  // longer than every attempt with its timeout and backoff
  if (!(await jobs.claimCallback(job.jobId, nowMs, 120_000))) return;
  const { delivered, attempts } = await deliverCallback(job, type, { breakers });
  await jobs.recordCallback(job.jobId, delivered ? 'delivered' : 'failed', attempts);
}

export const jobWorker: ProcessorDefinition = {
  name: 'job-worker',
  // no writes to the pipeline's state; job results are written (idempotently) while processing
  stateOrder: 'after-outputs',
  partitionConcurrency: 2,
  async process(records, ctx): Promise<BatchOutcome> {
    const outputs: OutputRecord[] = [];
    const chunks = records
      .map((r) => avroValue(r, 'jobs') as ApiJobChunk | null)
      .filter((c) => c !== null && typeof c.cases === 'string');
    if (!chunks.length) return { outputs, writes: emptyWrites(), deadLetters: [] };
    const jobs = jobStore(ctx);

    for (const chunk of chunks) {
      const started = ctx.now();
      const event = (
        type: JobEvent['type'],
        done: number | null,
        total: number | null,
        message: string,
      ): OutputRecord => ({
        topic: 'jobEvents',
        key: chunk!.jobId,
        value: {
          jobId: chunk!.jobId,
          type,
          contractsTotal: total,
          contractsDone: done,
          message,
          atMs: ctx.now(),
        },
      });
      // two round trips per chunk: the job with whether the chunk is stored, then its store,
      // which answers with the job as it is after (for the event and the callback)
      const { job, stored } = await jobs.chunkState(chunk!.jobId, chunk!.chunk);
      if (!job || job.status === 'failed') continue; // expired, removed or given up
      let after = job; // a redelivered chunk: the job as read
      if (!stored) {
        let cases: Cases;
        try {
          cases = JSON.parse(chunk!.cases!) as Cases;
          if (!cases || typeof cases !== 'object' || Array.isArray(cases))
            throw new Error('not an object of cases');
        } catch (e) {
          const reason = `chunk ${chunk!.chunk}: unreadable cases (${(e as Error).message})`;
          await jobs.fail(chunk!.jobId, reason, ctx.now());
          const failed = await jobs.get(chunk!.jobId);
          if (failed) await callback(jobs, failed, 'failed', ctx.now(), ctx.breakers);
          outputs.push(event('failed', job.contractsDone, job.contractsTotal, reason));
          continue;
        }
        const { packed, count } = await computeChunk(cases, (codes) => ctx.state.series(codes), chunkMaxEvents());
        const r = await jobs.completeChunk(
          chunk!.jobId,
          chunk!.chunk,
          packed,
          count,
          ctx.now(),
          started,
        );
        if (!r.job) continue; // expired or removed meanwhile
        after = r.job;
      }
      // a staged job (its body still streaming in, api/staged-jobs.ts) shows nothing until committed
      if (after.status === 'staged') continue;
      const complete = after.chunksDone >= after.chunks;
      if (complete) await callback(jobs, after, 'completed', ctx.now(), ctx.breakers);
      outputs.push(
        event(
          complete ? 'completed' : 'progress',
          after.contractsDone,
          after.contractsTotal,
          `chunk ${chunk!.chunk + 1}/${after.chunks} done; ${after.chunksDone} of ${after.chunks} chunks`,
        ),
      );
    }
    return { outputs, writes: emptyWrites(), deadLetters: [] };
  },
};
