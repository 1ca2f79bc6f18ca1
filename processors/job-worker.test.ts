// The job-worker's callback delivery, chunk computation, and chunk processing against the
// shared stack's Redis under a key prefix of its own (through Kafka in test/api.test.ts).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore, type JobRecord } from '../api/job-store.js';
import type { ApiJobChunk } from '../api/jobs.js';
import { connectRedis, type Redis } from '../clients/redis.js';
import type { JobEvent } from '../schemas/types.js';
import { missingCodes, withStoreData, type Cases } from '../api/compute.js';
import { packResults } from '../wire/packed-results.js';
import { computeCase, type TestBedCase } from '../engine/index.js';
import { emptyWrites } from '../state/model.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { clearState } from '../state/redis-store.js';
import { pamTerms } from '../test/support/pam-terms.js';
import { callbackSignature } from '../api/callback-delivery.js';
import { computeChunk, deliverCallback, jobWorker } from './job-worker.js';
import { Breakers } from '../clients/breaker.js';
import type { InputRecord, ProcessorContext } from './processor.js';

const job: JobRecord = {
  jobId: 'job_1',
  status: 'completed',
  contractsTotal: 3,
  chunks: 1,
  chunksDone: 1,
  contractsDone: 3,
  createdAtMs: 1,
  startedAtMs: 2,
  completedAtMs: 3,
  client: 'c',
  callbackUrl: 'http://127.0.0.1:9/cb',
  callbackStatus: null,
  callbackAttempts: 0,
  error: null,
};
const event = 'completed' as const;

// callbacks to this test's receivers on loopback: allowed, and signed with this secret
const SECRET = 'job-worker-test-secret';
process.env.API_CALLBACK_ALLOWED_NETWORKS = '127.0.0.1';
process.env.API_CALLBACK_SECRET = SECRET;
const callbackConfig = { allowedNetworks: [{ address: '127.0.0.1', prefix: 32, family: 'ipv4' as const }], secret: SECRET };

/** A receiver answering each POST with the next status ('drop': the connection closed unanswered). */
async function scriptedReceiver(statuses: (number | 'drop')[]) {
  const calls: { body: unknown; signature: string | undefined; timestamp: string | undefined }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push({
        body: JSON.parse(body),
        signature: req.headers['x-cashflow-signature'] as string | undefined,
        timestamp: req.headers['x-cashflow-timestamp'] as string | undefined,
      });
      const s = statuses[Math.min(calls.length - 1, statuses.length - 1)];
      if (s === 'drop') req.socket.destroy();
      else res.writeHead(s, s >= 300 && s < 400 ? { location: `http://127.0.0.1:${port()}/elsewhere` } : {}).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = () => (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port()}/cb`;
  return { calls, job: { ...job, callbackUrl: url }, close: () => new Promise((r) => server.close(r)) };
}

describe('job-worker callbacks', () => {
  it('retries failures until the receiver accepts, each attempt signed', async () => {
    const r = await scriptedReceiver(['drop', 503, 204]);
    expect(await deliverCallback(r.job, event, { callbacks: callbackConfig, initialDelayMs: 1 })).toEqual({
      delivered: true,
      attempts: 3,
    });
    expect(r.calls[2].body).toMatchObject({ jobId: 'job_1', status: 'completed', contracts: 3, resultUrl: '/v1/jobs/job_1/result' });
    for (const c of r.calls)
      expect(c.signature).toBe(callbackSignature(SECRET, Number(c.timestamp), JSON.stringify(c.body)));
    await r.close();
  });
  it('gives up after the last attempt, and at once when the receiver refuses (4xx) or redirects (3xx: not followed)', async () => {
    for (const [statuses, attempts, outcome] of [
      [[500], 3, { delivered: false, attempts: 3 }],
      [[404], 5, { delivered: false, attempts: 1 }],
      [[429, 200], 5, { delivered: true, attempts: 2 }],
      [[302, 200], 5, { delivered: false, attempts: 1 }],
    ] as const) {
      const r = await scriptedReceiver([...statuses]);
      expect(await deliverCallback(r.job, event, { callbacks: callbackConfig, initialDelayMs: 1, attempts }), String(statuses)).toEqual(outcome);
      // a redirect's target is never asked
      expect(r.calls).toHaveLength(outcome.attempts);
      await r.close();
    }
  });
  it("stops posting to a receiver whose circuit breaker opened, and still posts to the others", async () => {
    const breakers = new Breakers({ failures: 2, halfOpenMs: 60_000 });
    const down = await scriptedReceiver([503]);
    const up = await scriptedReceiver([204]);
    const logged: string[] = [];
    const log = (_level: string, message: string) => void logged.push(message);
    expect(await deliverCallback(down.job, event, { callbacks: callbackConfig, initialDelayMs: 1, attempts: 3, breakers, log })).toEqual({ delivered: false, attempts: 3 });
    expect(down.calls).toHaveLength(2); // the breaker opened after two 503s: the last attempt sent nothing
    expect(logged).toEqual(['callback not sent: the receiver failed repeatedly and its circuit breaker is open']);
    expect(breakers.states()).toEqual({ callbacks: 'open' });
    expect(await deliverCallback(up.job, event, { callbacks: callbackConfig, initialDelayMs: 1, breakers })).toEqual({ delivered: true, attempts: 1 });
    expect(up.calls).toHaveLength(1);
    await down.close();
    await up.close();
  });
  it('sends nothing to a refused address, nor without a secret', async () => {
    const r = await scriptedReceiver([204]);
    const logged: string[] = [];
    const log = (_level: string, message: string) => void logged.push(message);
    expect(await deliverCallback(r.job, event, { callbacks: { allowedNetworks: [], secret: SECRET }, log })).toEqual({
      delivered: false,
      attempts: 1,
    });
    expect(await deliverCallback(r.job, event, { callbacks: { ...callbackConfig, secret: undefined }, log })).toEqual({
      delivered: false,
      attempts: 0,
    });
    expect(r.calls).toEqual([]);
    expect(logged).toEqual([
      expect.stringMatching(/^callback not sent: callbackUrl 127\.0\.0\.1, a loopback address/),
      'callback not sent: callbacks are signed with API_CALLBACK_SECRET, which is not set',
    ]);
    await r.close();
  });
});

describe('job-worker chunks', () => {
  const floating = pamTerms({
    cycleOfRateReset: 'P6ML0',
    cycleAnchorDateOfRateReset: '2015-07-15T00:00:00',
    marketObjectCodeOfRateReset: 'R',
    rateSpread: '0',
  });
  const cases: Cases = {
    fixed: { terms: pamTerms() },
    invalid: { terms: { ...floating, notionalPrincipal: 'lots' } },
    floating: { terms: floating },
    after: { terms: pamTerms({ notionalPrincipal: '2000' }) },
    withData: { terms: floating, dataObserved: { R: { identifier: 'R', data: [] } } },
    none: {} as TestBedCase,
  };
  const store = new MemoryStateStore();
  const w = emptyWrites();
  w.market.push({ marketObjectCode: 'R', observedAt: '2015-01-01T00:00:00', value: 0.02, version: 1, deleted: false });
  beforeAll(() => store.apply(w));
  const expected = async (c: Cases) => {
    const ids = Object.keys(c);
    const full = withStoreData(c, missingCodes(c), await store.series(['R'])).cases;
    return Buffer.from(packResults(ids, ids.map((id) => computeCase(full[id]))));
  };

  it('packs every case in the chunk order, market data the bodies lack read once from the store', async () => {
    const reads: string[][] = [];
    const series = (codes: string[]) => (reads.push(codes), store.series(codes));
    for (let n = 0; n < 2; n++) {
      const r = await computeChunk({ ...cases }, series);
      expect(r.count).toBe(6);
      expect(Buffer.from(r.packed)).toEqual(await expected(cases));
    }
    expect(reads).toEqual([['R'], ['R']]);
    const fixed = { a: cases.fixed, b: cases.after };
    const taken = { ...fixed };
    expect(Buffer.from((await computeChunk(taken, series)).packed)).toEqual(await expected(fixed));
    expect(reads).toHaveLength(2); // nothing to read
    expect(taken).toEqual({}); // each case released once computed
  });

  it('holds a chunk to its event budget: cases past it get an error naming the limit, the same on every delivery', async () => {
    const one = computeCase({ terms: pamTerms() });
    if ('error' in one) throw new Error(one.error);
    const n = one.events.length;
    const chunk: Cases = { a: { terms: pamTerms() }, bad: cases.invalid, b: { terms: pamTerms({ notionalPrincipal: '2000' }) }, c: { terms: pamTerms() } };
    const budgetError = { error: `not computed: its ${n} events would take this chunk past ${2 * n} events (API_JOB_CHUNK_MAX_EVENTS); send such contracts in smaller jobs (API_JOB_CHUNK_SIZE) or with a nearer maturity or "to"` };
    const want = Buffer.from(packResults(['a', 'bad', 'b', 'c'], [computeCase(chunk.a), computeCase(chunk.bad), computeCase(chunk.b), budgetError]));
    for (let delivery = 0; delivery < 2; delivery++) expect(Buffer.from((await computeChunk({ ...chunk }, async () => new Map(), 2 * n)).packed)).toEqual(want);
    // without a budget, every case is computed
    expect(Buffer.from((await computeChunk({ ...chunk }, async () => new Map())).packed)).toEqual(Buffer.from(packResults(['a', 'bad', 'b', 'c'], Object.values(chunk).map((c) => computeCase(c)))));
  });

  it('lets a store fault through (retriable) and packs the next chunk cleanly', async () => {
    await expect(computeChunk({ ...cases }, () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    expect(Buffer.from((await computeChunk({ ...cases }, (codes) => store.series(codes))).packed)).toEqual(await expected(cases));
  });
});

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
        // signed with the deployment's secret (api/callback-delivery.ts)
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
    return { topic: 'jobs', topicName: 'jobs', partition: 0, offset: '0', key: `${jobId}|${chunk}`, rawKey: null, rawValue: null, timestampMs: 0, change: null, value };
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
