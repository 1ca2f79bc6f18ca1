// The job-worker's chunk processing against the shared stack's Redis under a key prefix of its
// own (through Kafka in test/api.test.ts). Its computation and callbacks are tested in jobs/.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../jobs/job-store.js';
import type { ApiJobChunk } from '../jobs/chunk.js';
import { connectRedis, type Redis } from '../clients/redis.js';
import type { JobEvent } from '../schemas/types.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { clearState } from '../state/redis-store.js';
import { pamTerms } from '../test/support/pam-terms.js';
import { callbackSignature } from '../jobs/callback-delivery.js';
import { jobWorker } from './job-worker.js';
import type { InputRecord, ProcessorContext } from './processor.js';

// callbacks to this test's receiver on loopback: allowed, and signed with this secret
const SECRET = 'job-worker-test-secret';
process.env.API_CALLBACK_ALLOWED_NETWORKS = '127.0.0.1';
process.env.API_CALLBACK_SECRET = SECRET;

describe.skipIf(process.env.CASHFLOW_SKIP_REDIS === '1')('job-worker chunks in Redis', () => {
  let redis: Redis;
  let jobs: JobStore;
  let receiver: Server;
  let callbackUrl = '';
  const callbacks: { jobId: string; status: string; contractsDone: number; signed: boolean }[] = [];
  /** The names of the Redis commands sent (a script is an evalsha, sent as eval on its first use). */
  const sent: string[] = [];
  const store = new MemoryStateStore();
  let ctx: ProcessorContext;

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const keyPrefix = `test-job-worker:${process.pid}:${Date.now()}:`;
  beforeAll(async () => {
    redis = await connectRedis({ redisUrl }, { keyPrefix });
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      sent.push(command.name);
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof redis.sendCommand;
    jobs = new JobStore(redis, 60);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        // signed with the deployment's secret (jobs/callback-delivery.ts)
        const signed = req.headers['x-cashflow-signature'] === callbackSignature(SECRET, Number(req.headers['x-cashflow-timestamp']), body);
        callbacks.push({ ...JSON.parse(body), signed });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/done`;
    ctx = {
      state: store,
      now: () => Date.now(),
      horizon: 'P30Y',
      database: () => Promise.reject(new Error('no database here')),
      redis: () => redis,
    };
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
    redis.disconnect();
    // the worker writes with the API's job TTL (a day): nothing of this test is left behind
    const plain = await connectRedis({ redisUrl });
    await clearState(plain, keyPrefix).finally(() => plain.disconnect());
  });

  const chunkCases = (n: number, first: number) =>
    JSON.stringify(
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`c${first + i}`, { terms: pamTerms({ notionalPrincipal: String(1000 + first + i) }) }]),
      ),
    );
  const record = (jobId: string, chunk: number, chunks: number, cases: string): InputRecord => {
    const value: ApiJobChunk = { jobId, chunk, chunks, contractIds: [], asOf: null, requestedAtMs: 0, cases };
    return { topic: 'apiJobs', topicName: 'api-jobs', partition: 0, offset: '0', key: `${jobId}|${chunk}`, rawKey: null, rawValue: null, timestampMs: 0, change: null, value };
  };
  /** The chunk processed; its events and the Redis commands it sent. */
  const processChunk = async (r: InputRecord) => {
    sent.length = 0;
    const out = await jobWorker.process([r], ctx);
    return { events: out.outputs.map((o) => o.value as JobEvent), commands: [...sent] };
  };
  const newJob = async (jobId: string, chunks: number, contracts: number) => {
    await jobs.remove(jobId);
    await jobs.create({ jobId, contractsTotal: contracts, chunks, client: 'test', callbackUrl, createdAtMs: Date.now() });
    await jobs.markQueued(jobId);
  };

  it('stores and counts each chunk once though Kafka redelivers it, in two round trips; the last chunk completes the job and calls back once', async () => {
    const id = 'job_redelivered';
    await newJob(id, 2, 5);
    const first = await processChunk(record(id, 0, 2, chunkCases(3, 0)));
    expect(first.commands).toEqual(['evalsha', 'evalsha']);
    expect(first.events).toMatchObject([{ jobId: id, type: 'progress', contractsDone: 3, contractsTotal: 5, message: 'chunk 1/2 done; 1 of 2 chunks' }]);
    expect(await jobs.get(id)).toMatchObject({ status: 'running', chunksDone: 1, contractsDone: 3 });

    // redelivered: not computed or stored again (one round trip), the same progress told again
    const again = await processChunk(record(id, 0, 2, chunkCases(3, 0)));
    expect(again.commands).toEqual(['evalsha']);
    expect(again.events).toMatchObject([{ type: 'progress', contractsDone: 3, message: 'chunk 1/2 done; 1 of 2 chunks' }]);

    const last = await processChunk(record(id, 1, 2, chunkCases(2, 3)));
    expect(last.commands.slice(0, 2)).toEqual(['evalsha', 'evalsha']);
    expect(last.events).toMatchObject([{ type: 'completed', contractsDone: 5, contractsTotal: 5, message: 'chunk 2/2 done; 2 of 2 chunks' }]);
    expect(callbacks.filter((c) => c.jobId === id)).toMatchObject([{ status: 'completed', contractsDone: 5, signed: true }]);
    const done = await jobs.get(id);
    expect(done).toMatchObject({ status: 'completed', chunksDone: 2, contractsDone: 5, callbackStatus: 'delivered' });
    expect(done!.completedAtMs).toBeGreaterThan(0);

    // the last chunk redelivered (a crash before its offset was committed): completed again, no second callback
    const lastAgain = await processChunk(record(id, 1, 2, chunkCases(2, 3)));
    expect(lastAgain.commands).toEqual(['evalsha']);
    expect(lastAgain.events).toMatchObject([{ type: 'completed', contractsDone: 5 }]);
    expect(callbacks.filter((c) => c.jobId === id)).toHaveLength(1);
    const stored: unknown[] = [];
    for await (const c of jobs.chunkResults(id, 2)) stored.push(c && 'packed' in c ? c.packed.ids : c);
    expect(stored).toEqual([['c0', 'c1', 'c2'], ['c3', 'c4']]);
  });

  it("skips a failed or expired job's chunks: nothing computed, stored or told", async () => {
    const id = 'job_failed';
    await newJob(id, 2, 4);
    await jobs.fail(id, 'given up', Date.now());
    const failed = await processChunk(record(id, 0, 2, chunkCases(2, 0)));
    expect(failed).toEqual({ events: [], commands: ['evalsha'] });
    expect(await jobs.get(id)).toMatchObject({ status: 'failed', chunksDone: 0, contractsDone: 0 });
    const gone = await processChunk(record('job_never_created', 0, 2, chunkCases(2, 0)));
    expect(gone).toEqual({ events: [], commands: ['evalsha'] });
  });

  it('computes and counts a staged job\'s chunks without a word until it is committed', async () => {
    const id = 'job_staged';
    await jobs.remove(id);
    await jobs.stage({ jobId: id, client: 'test', callbackUrl: null, createdAtMs: Date.now() }, 60);
    expect((await processChunk(record(id, 0, 0, chunkCases(2, 0)))).events).toEqual([]);
    expect(await jobs.get(id)).toMatchObject({ status: 'staged', chunksDone: 1, contractsDone: 2 });
    expect(await jobs.commitStaged(id, 2, 3)).toBe(true);
    const last = await processChunk(record(id, 1, 2, chunkCases(1, 2)));
    expect(last.events).toMatchObject([{ type: 'completed', contractsDone: 3, contractsTotal: 3 }]);
    expect(await jobs.get(id)).toMatchObject({ status: 'completed', chunksDone: 2 });
  });

  it('fails the job on a chunk whose cases are not JSON, and calls back', async () => {
    const id = 'job_unreadable';
    await newJob(id, 2, 4);
    const r = await processChunk(record(id, 0, 2, '{"c0":'));
    expect(r.events).toMatchObject([{ type: 'failed', contractsDone: 0, contractsTotal: 4 }]);
    expect(r.events[0].message).toMatch(/^chunk 0: unreadable cases/);
    expect(await jobs.get(id)).toMatchObject({ status: 'failed', callbackStatus: 'delivered' });
    expect(callbacks.filter((c) => c.jobId === id)).toMatchObject([{ status: 'failed' }]);
  });
});
