// job-worker: computes the API's jobs (issue 7). A chunk on the jobs topic that carries its
// cases (JobChunk.cases, test bed JSON) is computed exactly like a synchronous request
// (api/compute.ts: store market data for codes the body lacks, then the `cashflow actus` code
// path, engine/testbed.ts computeCase); its events go to Redis under the job in columns
// (api/packed-results.ts, api/job-store.ts; rendered to the same JSON when the result is
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
import { loadConfig } from '../config/config.js';
import { missingCodes, withStoreData, type Cases } from '../api/compute.js';
import { ResultsPacker } from '../api/packed-results.js';
import { evaluateCase, prepareCase, type PreparedCase } from '../engine/testbed.js';
import { JobStore, type JobRecord } from '../api/job-store.js';
import type { ApiJobChunk } from '../api/jobs.js';
import type { JobEvent } from '../schemas/types.js';
import type { BatchOutcome, OutputRecord, ProcessorContext, ProcessorDefinition } from './processor.js';
import { avroValue } from './processor.js';
import { emptyWrites } from '../state/model.js';

const CALLBACK_ATTEMPTS = 5;
const CALLBACK_TIMEOUT_MS = 5_000;

let ttlSeconds: number | undefined;
function jobStore(ctx: ProcessorContext): JobStore {
  const redis = ctx.redis?.();
  if (!redis) throw new Error('job-worker needs the Redis client of its runner');
  ttlSeconds ??= loadConfig().api.jobTtlSeconds;
  return new JobStore(redis, ttlSeconds);
}

/** POSTs the job's end to its callback URL; returns the attempts made and whether one succeeded. */
export async function deliverCallback(
  job: JobRecord,
  status: 'completed' | 'failed',
  options: { attempts?: number; initialDelayMs?: number; fetch?: typeof fetch } = {},
): Promise<{ delivered: boolean; attempts: number }> {
  const attempts = options.attempts ?? CALLBACK_ATTEMPTS;
  const doFetch = options.fetch ?? fetch;
  const body = JSON.stringify({
    jobId: job.jobId,
    status,
    contracts: job.contractsTotal,
    contractsDone: job.contractsDone,
    completedAt: job.completedAtMs ? new Date(job.completedAtMs).toISOString() : null,
    error: job.error,
    resultUrl: `/v1/jobs/${job.jobId}/result`,
  });
  let delay = options.initialDelayMs ?? 250;
  for (let n = 1; n <= attempts; n++) {
    try {
      const res = await doFetch(job.callbackUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cashflow-job': job.jobId },
        body,
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
      if (res.ok) return { delivered: true, attempts: n };
      // 4xx other than 408/429: the receiver refuses; retrying will not change its mind
      if (res.status < 500 && res.status !== 408 && res.status !== 429)
        return { delivered: false, attempts: n };
    } catch {
      // network error or timeout: retry
    }
    if (n < attempts) await new Promise((r) => setTimeout(r, delay));
    delay *= 4;
  }
  return { delivered: false, attempts };
}

/** The job's callback, unless it has none, it was delivered or given up, or another worker is delivering it. */
async function callback(
  jobs: JobStore,
  job: JobRecord,
  type: 'completed' | 'failed',
  nowMs: number,
): Promise<void> {
  if (!job.callbackUrl || job.callbackStatus === 'delivered' || job.callbackStatus === 'failed') return;
  // longer than every attempt with its timeout and backoff
  if (!(await jobs.claimCallback(job.jobId, nowMs, 120_000))) return;
  const { delivered, attempts } = await deliverCallback(job, type);
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
      const job = await jobs.get(chunk!.jobId);
      if (!job || job.status === 'failed') continue; // expired, removed or given up
      const doneChunks = await jobs.doneChunks(chunk!.jobId);
      if (!doneChunks.has(chunk!.chunk)) {
        let cases: Cases;
        try {
          cases = JSON.parse(chunk!.cases!) as Cases;
          if (!cases || typeof cases !== 'object' || Array.isArray(cases))
            throw new Error('not an object of cases');
        } catch (e) {
          const reason = `chunk ${chunk!.chunk}: unreadable cases (${(e as Error).message})`;
          await jobs.fail(chunk!.jobId, reason, ctx.now());
          const failed = await jobs.get(chunk!.jobId);
          if (failed) await callback(jobs, failed, 'failed', ctx.now());
          outputs.push(event('failed', job.contractsDone, job.contractsTotal, reason));
          continue;
        }
        // terms parsed once: for the dependencies, then for the computation
        const prepared = new Map<string, PreparedCase>();
        for (const id of Object.keys(cases)) prepared.set(id, prepareCase(cases[id]));
        // market data the cases lack from the store; a store fault is retriable (the runner retries)
        const missing = missingCodes(cases, prepared);
        const series = missing.size
          ? await ctx.state.series([...new Set([...missing.values()].flat())])
          : new Map();
        const full = withStoreData(cases, missing, series).cases;
        const ids = Object.keys(full);
        // the engine's events in columns, no JSON (the API renders them when the result is
        // fetched), each case packed as soon as it is computed
        const packer = new ResultsPacker();
        for (const id of ids) packer.add(id, evaluateCase(full[id], prepared.get(id)!));
        const packed = packer.finish();
        const r = await jobs.completeChunk(
          chunk!.jobId,
          chunk!.chunk,
          packed,
          ids.length,
          ctx.now(),
          started,
        );
        if (!r.exists) continue;
      }
      const after = await jobs.get(chunk!.jobId);
      // a staged job (its body still streaming in, api/staged-jobs.ts) shows nothing until committed
      if (!after || after.status === 'staged') continue;
      const complete = after.chunksDone >= after.chunks;
      if (complete) await callback(jobs, after, 'completed', ctx.now());
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
