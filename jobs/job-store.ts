// Jobs in Redis (never in process memory, so a job survives a restart of the API or of any
// worker). Under the pipeline's key prefix:
//
//   job:<id>            hash   status, contractsTotal, chunks, chunksDone, contractsDone,
//                              createdAtMs, startedAtMs, completedAtMs, client, callbackUrl,
//                              callbackStatus, callbackAttempts, error
//   job:<id>:done       set    chunk numbers whose results are stored (makes a redelivered
//                              chunk a no-op: at-least-once delivery, exactly-once counting)
//   job:<id>:results    hash   chunk number → the chunk's computed events in columns
//                              (wire/packed-results.ts), deflated; rendered to JSON or CSV when
//                              the result is fetched. A value that inflates to text instead is
//                              the `"<case id>":<result>,…` JSON a worker of an earlier version
//                              stored (still served).
//   jobs:client:<c>     set    the client's jobs that have not ended (concurrency limit)
//
// Every key expires API_JOB_TTL_SECONDS after the job's last change, except a *staged* job's
// (status `staged`: its body is still streaming in, jobs/staged-job.ts), which expire together
// shortly after the API last renewed them. A staged job's chunks are stored and counted, but it
// neither runs nor completes (its chunk count is not known yet) until the API commits it.
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import type { Redis } from 'ioredis';
import { deflatePacked } from '../wire/packed-results.js';
import { parseJob, readChunk, type ChunkResults, type JobRecord } from './job-record.js';

export type { ChunkResults, JobRecord, JobStatusName } from './job-record.js';

const inflate = promisify(inflateRaw);

export const jobKeys = {
  job: (id: string) => `job:${id}`,
  done: (id: string) => `job:${id}:done`,
  results: (id: string) => `job:${id}:results`,
  client: (client: string) => `jobs:client:${client}`,
};

/** The job's hash, and whether chunk ARGV[1] is stored already (1) or not (0). */
const CHUNK_STATE = `
return {redis.call('SISMEMBER', KEYS[2], ARGV[1]), redis.call('HGETALL', KEYS[1])}`;

/**
 * Stores a chunk's results once; counts it; completes the job with its last chunk. A staged
 * job's chunk is stored and counted only: its keys keep the staged job's short expiry.
 * Returns {-1} when the job does not exist, else {1 (stored) or 0 (stored before), the job's
 * hash as it is now}.
 */
const COMPLETE_CHUNK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local chunks = tonumber(redis.call('HGET', KEYS[1], 'chunks'))
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return {0, redis.call('HGETALL', KEYS[1])} end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
local done = redis.call('HINCRBY', KEYS[1], 'chunksDone', 1)
redis.call('HINCRBY', KEYS[1], 'contractsDone', ARGV[3])
local started = redis.call('HGET', KEYS[1], 'startedAtMs')
if (not started) or started == '' or tonumber(started) > tonumber(ARGV[5]) then redis.call('HSET', KEYS[1], 'startedAtMs', ARGV[5]) end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'staged' then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then for i = 2, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end end
  return {1, redis.call('HGETALL', KEYS[1])}
end
if done >= chunks then
  redis.call('HSET', KEYS[1], 'status', 'completed', 'completedAtMs', ARGV[4])
elseif status ~= 'failed' and status ~= 'completed' then
  redis.call('HSET', KEYS[1], 'status', 'running')
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return {1, redis.call('HGETALL', KEYS[1])}`;

/** A staged job with its chunk count becomes an ordinary job (running if workers stored chunks already). */
const COMMIT_STAGED = `
if redis.call('HGET', KEYS[1], 'status') ~= 'staged' then return 0 end
local done = tonumber(redis.call('HGET', KEYS[1], 'chunksDone') or '0')
redis.call('HSET', KEYS[1], 'chunks', ARGV[1], 'contractsTotal', ARGV[2], 'status', done > 0 and 'running' or 'submitting')
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
redis.call('SADD', KEYS[4], ARGV[4])
redis.call('EXPIRE', KEYS[4], ARGV[3])
return 1`;

/** ARGV[1] 'abort': deletes a staged job with its results; else renews its expiry (ARGV[2] s). */
const STAGED_JOB = `
if redis.call('HGET', KEYS[1], 'status') ~= 'staged' then return 0 end
for i = 1, 3 do
  if ARGV[1] == 'abort' then redis.call('DEL', KEYS[i]) else redis.call('EXPIRE', KEYS[i], ARGV[2]) end
end
return 1`;

/** A hash as HGETALL gives it inside a script: field, value, field, value… */
type FlatHash = string[];

interface JobCommands {
  cashflowChunkState(job: string, done: string, chunk: string): Promise<[number, FlatHash]>;
  cashflowCompleteChunk(
    job: string,
    done: string,
    results: string,
    chunk: string,
    packed: Uint8Array,
    contracts: string,
    nowMs: string,
    startedMs: string,
    ttl: string,
  ): Promise<[-1] | [0 | 1, FlatHash]>;
  cashflowCommitStaged(
    job: string,
    done: string,
    results: string,
    client: string,
    chunks: string,
    contracts: string,
    ttl: string,
    jobId: string,
  ): Promise<number>;
  cashflowStagedJob(job: string, done: string, results: string, action: string, ttl: string): Promise<number>;
}

function hashOf(flat: FlatHash): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]] = flat[i + 1];
  return h;
}

/** The hash of a job just created: nothing done yet. */
function newJobFields(
  status: 'staged' | 'submitting',
  job: Pick<JobRecord, 'contractsTotal' | 'chunks' | 'client' | 'callbackUrl' | 'createdAtMs'>,
): Record<string, string> {
  const fields: Record<string, string> = {
    status,
    contractsTotal: String(job.contractsTotal),
    chunks: String(job.chunks),
    chunksDone: '0',
    contractsDone: '0',
    createdAtMs: String(job.createdAtMs),
    client: job.client,
    callbackAttempts: '0',
  };
  if (job.callbackUrl) fields.callbackUrl = job.callbackUrl;
  return fields;
}

export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {
    if (!(redis as unknown as Partial<JobCommands>).cashflowCompleteChunk) {
      redis.defineCommand('cashflowCompleteChunk', { numberOfKeys: 3, lua: COMPLETE_CHUNK });
      redis.defineCommand('cashflowChunkState', { numberOfKeys: 2, lua: CHUNK_STATE });
    }
    if (!(redis as unknown as Partial<JobCommands>).cashflowCommitStaged) {
      redis.defineCommand('cashflowCommitStaged', { numberOfKeys: 4, lua: COMMIT_STAGED });
      redis.defineCommand('cashflowStagedJob', { numberOfKeys: 3, lua: STAGED_JOB });
    }
  }

  private get commands(): JobCommands {
    return this.redis as unknown as JobCommands;
  }

  /**
   * A job whose body is still streaming in (jobs/staged-job.ts): invisible, in no client's
   * running jobs, expiring in `ttlSeconds` unless renewed or committed.
   */
  async stage(
    job: Pick<JobRecord, 'jobId' | 'client' | 'callbackUrl' | 'createdAtMs'>,
    ttlSeconds: number,
  ): Promise<void> {
    await this.redis
      .multi()
      .hset(jobKeys.job(job.jobId), newJobFields('staged', { ...job, contractsTotal: 0, chunks: 0 }))
      .expire(jobKeys.job(job.jobId), ttlSeconds)
      .exec();
  }

  /** Renews a staged job's expiry (with what workers stored for it); nothing once it is not staged. */
  async renewStaged(jobId: string, ttlSeconds: number): Promise<void> {
    const k = [jobKeys.job(jobId), jobKeys.done(jobId), jobKeys.results(jobId)] as const;
    await this.commands.cashflowStagedJob(...k, 'renew', String(ttlSeconds));
  }

  /** The staged job becomes an ordinary one of `chunks` chunks; false when it is no longer staged (expired, aborted). */
  async commitStaged(jobId: string, chunks: number, contracts: number): Promise<boolean> {
    const client = await this.redis.hget(jobKeys.job(jobId), 'client');
    if (client === null) return false;
    const committed = await this.commands.cashflowCommitStaged(
      jobKeys.job(jobId),
      jobKeys.done(jobId),
      jobKeys.results(jobId),
      jobKeys.client(client),
      String(chunks),
      String(contracts),
      String(this.ttlSeconds),
      jobId,
    );
    return committed === 1;
  }

  /** Deletes a staged job and what workers stored for it; nothing once it was committed. */
  async abortStaged(jobId: string): Promise<void> {
    const k = [jobKeys.job(jobId), jobKeys.done(jobId), jobKeys.results(jobId)] as const;
    await this.commands.cashflowStagedJob(...k, 'abort', '0');
  }

  async create(
    job: Pick<JobRecord, 'jobId' | 'contractsTotal' | 'chunks' | 'client' | 'callbackUrl' | 'createdAtMs'>,
  ): Promise<void> {
    await this.redis
      .multi()
      .hset(jobKeys.job(job.jobId), newJobFields('submitting', job))
      .expire(jobKeys.job(job.jobId), this.ttlSeconds)
      .sadd(jobKeys.client(job.client), job.jobId)
      .expire(jobKeys.client(job.client), this.ttlSeconds)
      .exec();
  }

  /** submitting → queued once every chunk is on the topic (unless workers already moved it on). */
  async markQueued(jobId: string): Promise<void> {
    await this.redis.eval(
      `if redis.call('HGET', KEYS[1], 'status') == 'submitting' then redis.call('HSET', KEYS[1], 'status', 'queued') end return 1`,
      1,
      jobKeys.job(jobId),
    );
  }

  async fail(jobId: string, reason: string, nowMs: number): Promise<void> {
    await this.redis.hset(jobKeys.job(jobId), {
      status: 'failed',
      error: reason,
      completedAtMs: String(nowMs),
    });
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    return parseJob(jobId, await this.redis.hgetall(jobKeys.job(jobId)));
  }

  /**
   * The job (undefined: expired or removed) and whether `chunk` is stored already (a redelivered
   * chunk is not computed again), in one round trip.
   */
  async chunkState(jobId: string, chunk: number): Promise<{ job: JobRecord | undefined; stored: boolean }> {
    const [stored, fields] = await this.commands.cashflowChunkState(
      jobKeys.job(jobId),
      jobKeys.done(jobId),
      String(chunk),
    );
    return { job: parseJob(jobId, hashOf(fields)), stored: stored === 1 };
  }

  /**
   * Stores a chunk's packed results (packResults) unless it was stored before; returns whether
   * it was new and the job as it is after (undefined: the job does not exist), in one round trip.
   */
  async completeChunk(
    jobId: string,
    chunk: number,
    packed: Uint8Array,
    contracts: number,
    nowMs: number,
    startedMs: number,
  ): Promise<{ stored: boolean; job: JobRecord | undefined }> {
    // synchronous: 0.2 ms CPU per chunk of 1,000 PAM (CFR1 whole: 1.7, against 2.0-2.2 through
    // the thread pool, its stream and callbacks), and the worker has nothing else to do meanwhile
    const deflated = deflatePacked(packed);
    const reply = await this.commands.cashflowCompleteChunk(
      jobKeys.job(jobId),
      jobKeys.done(jobId),
      jobKeys.results(jobId),
      String(chunk),
      deflated,
      String(contracts),
      String(nowMs),
      String(startedMs),
      String(this.ttlSeconds),
    );
    if (reply[0] === -1) return { stored: false, job: undefined };
    return { stored: reply[0] === 1, job: parseJob(jobId, hashOf(reply[1])) };
  }

  /**
   * Each chunk's results in order: packed columns, or the JSON text an earlier version stored
   * (undefined for a chunk not stored). The next chunk is read while the caller renders this one.
   */
  async *chunkResults(jobId: string, chunks: number): AsyncGenerator<ChunkResults | undefined> {
    const read = (i: number) =>
      i < chunks ? this.redis.hgetBuffer(jobKeys.results(jobId), String(i)) : Promise.resolve(null);
    let next = read(0);
    for (let i = 0; i < chunks; i++) {
      const stored = await next;
      next = read(i + 1);
      next.catch(() => undefined); // awaited on the next turn; not an unhandled rejection meanwhile
      if (!stored) {
        yield undefined;
        continue;
      }
      yield readChunk(await inflate(stored));
    }
  }

  /** The client's jobs that have not ended (ended or expired ones are dropped from its set). */
  async activeJobs(client: string): Promise<string[]> {
    const ids = await this.redis.smembers(jobKeys.client(client));
    if (!ids.length) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hget(jobKeys.job(id), 'status');
    const statuses = ((await pipe.exec()) ?? []).map(([, v]) => v as string | null);
    const ended = ids.filter(
      (_, i) => statuses[i] === null || statuses[i] === 'completed' || statuses[i] === 'failed',
    );
    if (ended.length) await this.redis.srem(jobKeys.client(client), ...ended);
    return ids.filter((id) => !ended.includes(id));
  }

  /**
   * Claims the job's callback for one deliverer: false when it was delivered or given up, or
   * another worker claimed it less than `leaseMs` ago (a crashed deliverer's claim lapses, so
   * the callback is still tried at least once).
   */
  async claimCallback(jobId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const claimed = await this.redis.eval(
      `local s = redis.call('HGET', KEYS[1], 'callbackStatus')
if s == 'delivered' or s == 'failed' then return 0 end
local at = redis.call('HGET', KEYS[1], 'callbackClaimedAtMs')
if at and tonumber(ARGV[1]) - tonumber(at) < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'callbackClaimedAtMs', ARGV[1])
return 1`,
      1,
      jobKeys.job(jobId),
      String(nowMs),
      String(leaseMs),
    );
    return claimed === 1;
  }

  async recordCallback(jobId: string, status: 'delivered' | 'failed', attempts: number): Promise<void> {
    await this.redis.hset(jobKeys.job(jobId), { callbackStatus: status, callbackAttempts: String(attempts) });
  }

  /** Everything of one job (tests, clean-up). */
  async remove(jobId: string): Promise<void> {
    await this.redis.del(jobKeys.job(jobId), jobKeys.done(jobId), jobKeys.results(jobId));
  }
}
