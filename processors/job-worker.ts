// job-worker: computes the API's jobs (docs/api.md). A chunk on the API jobs topic carries its
// cases (JobChunk.cases, test bed JSON) and is computed exactly like a synchronous request
// (jobs/compute-chunk.ts); its events go to Redis under the job in columns (jobs/job-store.ts;
// rendered to the same JSON when the result is fetched), counted once per chunk even when Kafka
// redelivers it, and a progress or completed event goes to job-events (none while the job is
// staged: its body is still streaming into the API, which may yet refuse it, jobs/staged-job.ts;
// its chunks are computed meanwhile). The worker that stores a job's last chunk calls the job's
// callback URL back (jobs/job-callback.ts) before the completed event goes out. Job events are
// not an input: consuming them in the same group would let the assignor hand one worker all
// job-events partitions and the other all the chunks.
import { loadConfig } from '../config/config.js';
import { computeChunk } from '../jobs/compute-chunk.js';
import { callBack } from '../jobs/job-callback.js';
import { JobStore } from '../jobs/job-store.js';
import type { ApiJobChunk } from '../jobs/chunk.js';
import type { Cases } from '../state/case-market-data.js';
import type { JobEvent } from '../schemas/types.js';
import type { BatchOutcome, OutputRecord, ProcessorContext, ProcessorDefinition } from './processor.js';
import { avroValue } from './processor.js';
import { emptyWrites } from '../state/model.js';

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

export const jobWorker: ProcessorDefinition = {
  name: 'job-worker',
  // no writes to the pipeline's state; job results are written (idempotently) while processing
  stateOrder: 'after-outputs',
  partitionConcurrency: 2,
  async process(records, ctx): Promise<BatchOutcome> {
    const outputs: OutputRecord[] = [];
    const chunks = records
      .map((r) => avroValue(r, 'apiJobs') as ApiJobChunk | null)
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
          if (failed) await callBack(jobs, failed, 'failed', ctx.now(), ctx.breakers);
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
      // a staged job (its body still streaming in, jobs/staged-job.ts) shows nothing until committed
      if (after.status === 'staged') continue;
      const complete = after.chunksDone >= after.chunks;
      if (complete) await callBack(jobs, after, 'completed', ctx.now(), ctx.breakers);
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
