// The API on the real local stack: `cashflow serve` (in this process) with job-worker child
// processes (`cashflow run job-worker`) in their consumer group.
// - a synchronous request equals a direct engine computation, with market data the body lacks
//   taken from the pipeline's store; a repeated request is a cache hit;
// - a job of 20,000 contracts completes through the consumer group with correct results and
//   visible progress (status and SSE), even when a worker is killed (SIGKILL) and the API is
//   restarted mid-job; its
//   completion is on the job-events topic and POSTed to its callback (after a failed attempt);
// - the read side returns the result tables' rows; no key gives 401, a bad body 400.
// Unique topic prefix (so consumer groups and schema subjects), Redis prefix and database; all
// removed at the end. Needs `npm run build` (the children run bin/cashflow.js).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAdmin,
  createConsumer,
  deleteConsumerGroups,
  deleteTopics,
  type Admin,
  type Consumer,
} from '../clients/kafka.js';
import { connectRedis, type Redis } from '../clients/redis.js';
import { repoFile } from '../config/repo-file.js';
import { createAvroCodec, deleteSubject, registerSchemas, type RegisteredSubject } from '../clients/schema-registry.js';
import { loadConfig, type Config } from '../config/config.js';
import { dropDatabase, PostgresDatabase } from '../db/postgres/index.js';
import { bookContract } from '../bench/engine.js';
import {
  computeEvents,
  computeTestBed,
  contractTypeOf,
  eventsToJson,
  parseDateTime,
  TimeSeriesObserver,
} from '../engine/index.js';
import type { JobEvent } from '../schemas/types.js';
import { clearState, RedisStateStore } from '../state/redis-store.js';
import { emptyWrites } from '../state/model.js';
import { applyTopics } from '../platform/topics.js';
import { buildTopology, cdcSource, type Topology } from '../topology/topology.js';
import { startApi, type RunningApi } from '../api/index.js';
import { callbackSignature } from '../jobs/callback-delivery.js';
import { testEnv } from './env/index.js';
import { eventually } from './support/pipeline-env.js';
import { Cleanup } from './support/cleanup.js';

const run = randomBytes(4).toString('hex');
const server = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `cashflow_api_${run}`;
const prefix = `api${run}.`;
const redisPrefix = `cashflow-api-${run}:`;
const KEY = `test-key-${run}`;
/** Callbacks go to this test's receiver on loopback, signed with this secret. */
const CALLBACKS = { API_CALLBACK_ALLOWED_NETWORKS: '127.0.0.1', API_CALLBACK_SECRET: `callback-secret-${run}` };
const JOB_CONTRACTS = Number(process.env.API_TEST_JOB_CONTRACTS ?? 20_000);
const logDir = join(repoFile(), '.test-logs');

let config: Config;
let topology: Topology;
let db: PostgresDatabase;
let admin: Admin | undefined;
let subjects: RegisteredSubject[] = [];
let api: RunningApi | undefined;
let redis: Redis | undefined;
let eventsConsumer: Consumer | undefined;
let callbackServer: Server | undefined;
const children: ChildProcess[] = [];
const jobEvents: JobEvent[] = [];
const callbacks: { attempt: number; body: Record<string, unknown>; signed: boolean }[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base = () => `http://127.0.0.1:${api!.port}`;

/** The shared poller with this file's longer default wait (jobs and kills take minutes under load). */
const until = <T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 240_000,
  pollMs = 200,
): Promise<T> => eventually(what, probe, timeoutMs, pollMs);

function startWorker(n: number): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `api-${run}-worker-${n}.log`), 'a');
  const child = spawn(process.execPath, [repoFile('bin', 'cashflow.js'), 'run', 'job-worker'], {
    cwd: repoFile(),
    env: {
      ...process.env,
      CASHFLOW_TOPIC_PREFIX: prefix,
      CASHFLOW_REDIS_PREFIX: redisPrefix,
      CASHFLOW_METRICS_PORT: '0',
      ...CALLBACKS,
    },
    stdio: ['ignore', log, log],
  });
  children.push(child);
  return child;
}

const authed = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: {
    'x-api-key': KEY,
    'content-type': 'application/json',
    ...(init.headers as Record<string, string>),
  },
});

beforeAll(async () => {
  await testEnv();
  const databaseUrl = Object.assign(new URL(server), { pathname: `/${dbName}` }).toString();
  // the read side on this test's database too (the configuration's fields are read-only)
  config = loadConfig({
    ...process.env,
    DATABASE_DIALECT: 'postgres',
    DATABASE_URL: databaseUrl,
    DATABASE_READ_URL: databaseUrl,
    CASHFLOW_API_KEYS: KEY,
    API_JOB_CHUNK_SIZE: '500',
    ...CALLBACKS,
  });
  topology = buildTopology({ ...cdcSource(config), prefix });
  db = new PostgresDatabase(config.database.url);
  await db.migrate({ publication: `cashflow_api_${run}` });
  admin = await createAdmin(config);
  await applyTopics(admin, topology, config);
  subjects = await registerSchemas(config, topology);
  redis = await connectRedis(config, { name: 'cashflow-api-test', keyPrefix: redisPrefix });
  api = await startApi({ config, topology, redisPrefix, port: 0 });
  await until(
    'the API sees Redis',
    async () => ((await (await fetch(`${base()}/readyz`, authed())).json()) as any).dependencies.redis.status === 'ok',
    20_000,
  );
  startWorker(1);
  startWorker(2);
  // the workers complete the fresh environment's state at start (state/healing.ts); until its
  // marker is there, a request that needs store data is refused with 503
  await until('the state marker', async () => (await redis!.exists('state:ready')) === 1, 60_000);

  // every job event, decoded, as the notification's consumers see them
  const codec = createAvroCodec(config, topology);
  eventsConsumer = await createConsumer(config, { groupId: `${prefix}test.job-events`, fromBeginning: true });
  await eventsConsumer.subscribe({ topics: [topology.topic('jobEvents').name] });
  await eventsConsumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) jobEvents.push(await codec.decode('jobEvents', message.value));
    },
  });

  // a callback receiver that fails its first call
  callbackServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const timestamp = Number(req.headers['x-cashflow-timestamp']);
      const signed = req.headers['x-cashflow-signature'] === callbackSignature(CALLBACKS.API_CALLBACK_SECRET, timestamp, body);
      callbacks.push({ attempt: callbacks.length + 1, body: JSON.parse(body), signed });
      res.writeHead(callbacks.length === 1 ? 503 : 204);
      res.end();
    });
  });
  await new Promise<void>((r) => callbackServer!.listen(0, '127.0.0.1', () => r()));
});

afterAll(async () => {
  const cleanup = new Cleanup();
  const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGTERM');
    await attempt('worker exit', () =>
      Promise.race([new Promise((r) => c.once('exit', r)), sleep(20_000).then(() => c.kill('SIGKILL'))]),
    );
  }
  await attempt('events consumer', async () => eventsConsumer?.disconnect());
  await attempt(
    'callback server',
    async () => new Promise<void>((r) => (callbackServer ? callbackServer.close(() => r()) : r())),
  );
  await attempt('api', async () => api?.close());
  await attempt('database client', () => db.close());
  await attempt('database', () => dropDatabase(server, dbName));
  await attempt('topics', async () => {
    admin ??= await createAdmin(config);
    await deleteTopics(admin, (t) => t.startsWith(prefix));
  });
  await attempt('consumer groups', async () => {
    admin ??= await createAdmin(config);
    await deleteConsumerGroups(admin, (g) => g.startsWith(prefix));
  });
  await attempt('admin', async () => admin?.disconnect());
  for (const s of subjects) {
    await attempt(`subject ${s.subject}`, () => deleteSubject(config, s.subject));
  }
  await attempt('redis keys', async () => {
    const raw = await connectRedis(config, { name: 'cashflow-api-test-cleanup' });
    try {
      await clearState(raw, redisPrefix);
    } finally {
      raw.disconnect();
    }
    redis?.disconnect();
  });
  cleanup.done();
});

/** A floating-rate PAM on `code` (rate reset quarterly), so that market data changes its events. */
function floating(id: string, code: string) {
  return {
    ...bookContract('PAM', 0),
    contractID: id,
    cycleOfRateReset: 'P3ML0',
    cycleAnchorDateOfRateReset: '2015-04-15T00:00:00',
    marketObjectCodeOfRateReset: code,
    rateSpread: '0.01',
  };
}

describe('cashflow serve on the local stack', () => {
  it('refuses a request without a key (401) and lists the fields of a bad body (400)', async () => {
    expect(
      (
        await fetch(`${base()}/v1/cashflows`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(401);
    const r = await fetch(
      `${base()}/v1/cashflows`,
      authed({ method: 'POST', body: JSON.stringify({ a: { terms: 1 }, b: {} }) }),
    );
    expect(r.status).toBe(400);
    expect((((await r.json()) as any).issues as { field: string }[]).map((i) => i.field).sort()).toEqual([
      '/a/terms',
      '/b/terms',
    ]);
  });

  it('answers a synchronous request like a direct engine computation, with market data the body lacks from the store; a repeat is a cache hit', async () => {
    const code = `USD.API${run}`;
    const points = [
      { observedAt: '2015-01-01T00:00:00', value: 0.02 },
      { observedAt: '2016-06-01T00:00:00', value: 0.035 },
    ];
    const writes = emptyWrites();
    for (const [i, p] of points.entries())
      writes.market.push({
        marketObjectCode: code,
        observedAt: p.observedAt,
        value: p.value,
        version: i + 1,
        deleted: false,
      });
    await new RedisStateStore(redis!).apply(writes);
    const body = {
      fixed: { terms: bookContract('PAM', 1) },
      fromStore: { terms: floating('f1', code) },
      inBody: {
        terms: floating('f2', code),
        dataObserved: {
          [code]: { identifier: code, data: [{ timestamp: '2015-01-01T00:00:00', value: '0.05' }] },
        },
      },
      bad: { terms: { ...bookContract('PAM', 2), dayCountConvention: 'NOPE' } },
    };
    const r = await fetch(`${base()}/v1/cashflows`, authed({ method: 'POST', body: JSON.stringify(body) }));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-market-data-from-store')).toBe('1');
    const text = await r.text();

    // the direct engine computation: the store's series for the case that lacks it
    const observer = new TimeSeriesObserver({
      [code]: points.map((p) => ({ time: parseDateTime(p.observedAt)!, value: p.value })),
    });
    const direct = eventsToJson(
      computeEvents(body.fromStore.terms, { observer }),
      contractTypeOf('PAM')!.reportedStates,
    );
    const answer = JSON.parse(text) as any;
    expect(answer.fromStore).toEqual(direct);
    expect(answer.bad.error).toMatch(/dayCountConvention/);
    // and exactly what `cashflow actus` prints for the body with the store's data written in
    const withData = {
      ...body,
      fromStore: {
        ...body.fromStore,
        dataObserved: {
          [code]: {
            identifier: code,
            data: points.map((p) => ({ timestamp: p.observedAt, value: p.value })),
          },
        },
      },
    };
    expect(text).toBe(JSON.stringify(computeTestBed(withData)) + '\n');
    // body data wins over the store's: the rates differ, so do the events
    expect(
      answer.inBody.find((e: { eventType: string }) => e.eventType === 'RR')?.nominalInterestRate,
    ).not.toBe(
      answer.fromStore.find((e: { eventType: string }) => e.eventType === 'RR')?.nominalInterestRate,
    );

    const hitsBefore = await cacheHits();
    const again = await fetch(
      `${base()}/v1/cashflows`,
      authed({ method: 'POST', body: JSON.stringify(body) }),
    );
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(await again.text()).toBe(text);
    expect((await cacheHits()) - hitsBefore).toBe(4);
  });

  it(`computes a job of ${JOB_CONTRACTS} contracts through the consumer group, with progress, though a worker is killed and the API restarted mid-job`, async () => {
    const cases: Record<string, { terms: Record<string, string> }> = {};
    for (let i = 0; i < JOB_CONTRACTS; i++)
      cases[`c${i}`] = { terms: bookContract(i % 3 === 0 ? 'ANN' : 'PAM', i) };
    const cb = `http://127.0.0.1:${(callbackServer!.address() as { port: number }).port}/done`;
    const submitted = await fetch(
      `${base()}/v1/jobs?callbackUrl=${encodeURIComponent(cb)}`,
      authed({ method: 'POST', body: JSON.stringify(cases) }),
    );
    expect(submitted.status).toBe(202);
    const { jobId, chunks } = (await submitted.json()) as { jobId: string; chunks: number };
    expect(chunks).toBe(Math.ceil(JOB_CONTRACTS / 500));

    const status = async () =>
      (await (await fetch(`${base()}/v1/jobs/${jobId}`, authed())).json()) as {
        status: string;
        chunks: { done: number; total: number };
        contracts: { done: number; total: number };
        contractsPerSecond: number | null;
        etaSeconds: number | null;
        callback: { status: string; attempts: number } | null;
      };
    const seen = new Set<number>();
    // kill one worker once the job is under way
    const midway = await until(
      'the job under way',
      async () => {
        const s = await status();
        seen.add(s.contracts.done);
        return s.chunks.done >= 2 && s.chunks.done < s.chunks.total ? s : undefined;
      },
      240_000,
      50,
    );
    expect(midway.status).toBe('running');
    expect(midway.contractsPerSecond).toBeGreaterThan(0);
    expect(midway.etaSeconds).toBeGreaterThan(0);
    children[0].kill('SIGKILL');
    // and restart the API: the job lives in Redis and Kafka only
    await api!.close();
    api = await startApi({ config, topology, redisPrefix, port: 0 });

    // progress as Server-Sent Events from the new API, read in the background
    const sse: { event: string; data: { contracts: { done: number } } }[] = [];
    const sseDone = (async () => {
      const res = await fetch(`${base()}/v1/jobs/${jobId}/events`, authed());
      const decoder = new TextDecoder();
      let buf = '';
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(part, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
          const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}');
          sse.push({ event, data });
        }
      }
    })();

    const done = await until(
      'the job completed',
      async () => {
        const s = await status();
        seen.add(s.contracts.done);
        return s.status === 'completed' ? s : undefined;
      },
      280_000,
      500,
    );
    expect(done.chunks).toEqual({ done: chunks, total: chunks });
    expect(done.contracts).toEqual({ done: JOB_CONTRACTS, total: JOB_CONTRACTS });
    await sseDone;
    expect(seen.size).toBeGreaterThan(2); // progress visible in the status
    expect(sse.at(-1)?.event).toBe('completed');
    expect(sse.at(-1)?.data.contracts.done).toBe(JOB_CONTRACTS);

    const result = await fetch(`${base()}/v1/jobs/${jobId}/result`, authed());
    expect(result.status).toBe(200);
    expect(await result.text()).toBe(JSON.stringify(computeTestBed(cases)) + '\n');
    const csv = await (
      await fetch(`${base()}/v1/jobs/${jobId}/result`, authed({ headers: { accept: 'text/csv' } }))
    ).text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^caseId,eventDate,eventType,payoff/);
    const events = Object.values(computeTestBed(cases)).reduce(
      (n, r) => n + (Array.isArray(r) ? r.length : 1),
      0,
    );
    expect(lines.length - 1).toBe(events);

    // the notification on job-events, and the callback (retried after its first 503)
    await until(
      'completed on job-events',
      async () => jobEvents.some((e) => e.jobId === jobId && e.type === 'completed'),
      60_000,
    );
    const withCallback = await until(
      'callback delivered',
      async () => {
        const s = await status();
        return s.callback?.status === 'delivered' ? s : undefined;
      },
      60_000,
    );
    expect(withCallback.callback!.attempts).toBe(2);
    expect(callbacks.map((c) => c.body.jobId)).toEqual([jobId, jobId]);
    expect(callbacks.map((c) => c.signed)).toEqual([true, true]);
    expect(callbacks[1].body).toMatchObject({ status: 'completed', contracts: JOB_CONTRACTS });
  });

  it('refuses a job whose bad cases come deep in its streamed body with 400 listing them, and leaves nothing of it: no job, results or events', async () => {
    const jobsTopic = topology.topic('apiJobs').name;
    const produced = async () =>
      (await admin!.fetchTopicOffsets(jobsTopic)).reduce((n, p) => n + Number(p.high), 0);
    const jobKeys = async () => (await redis!.keys(`${redisPrefix}job:*`)).sort();
    const keysBefore = await jobKeys();
    const producedBefore = await produced();
    const eventsBefore = jobEvents.length;
    const cases: Record<string, unknown> = {};
    for (let i = 0; i < 12_000; i++) cases[`s${i}`] = { terms: bookContract('PAM', i) };
    cases.s9000 = { terms: 'PAM' };
    cases.s11999 = { terms: {}, to: 7 };
    const r = await fetch(`${base()}/v1/jobs`, authed({ method: 'POST', body: JSON.stringify(cases) }));
    expect(r.status).toBe(400);
    expect((((await r.json()) as any).issues as { field: string }[]).map((i) => i.field)).toEqual([
      '/s9000/terms',
      '/s11999/to',
    ]);
    // its first chunks (of 500) went to the workers while it streamed in (their sends are not
    // awaited before the 400: a broker's ack may come just after it)...
    await until('its first chunks on the jobs topic', async () => (await produced()) - producedBefore > 5, 10_000);
    // ...which find their job gone: nothing of it appears in Redis or on job-events
    for (let t = 0; t < 20; t++) {
      expect(await jobKeys()).toEqual(keysBefore);
      await sleep(250);
    }
    expect(jobEvents.slice(eventsBefore)).toEqual([]);
  });

  it('reads stored results through the read-only pool', async () => {
    const events = eventsToJson(computeEvents(bookContract('PAM', 3)), contractTypeOf('PAM')!.reportedStates);
    await db.applyResults([
      {
        contractId: 'rc1',
        version: 7,
        fingerprint: 'f',
        status: 'computed',
        reason: null,
        computedAt: '2026-01-01T00:00:00',
        events: events.map((e) => ({
          ...e,
          notionalPrincipal: e.notionalPrincipal ?? null,
          nominalInterestRate: e.nominalInterestRate ?? null,
          accruedInterest: e.accruedInterest ?? null,
          exerciseDate: null,
          exerciseAmount: null,
        })),
      },
    ]);
    await db.upsertPositions([{ positionId: 'pos1', portfolioId: 'P1', contractId: 'rc1', quantity: 2 }]);
    const contract: any = await (await fetch(`${base()}/v1/contracts/rc1/cashflows`, authed())).json();
    expect(contract.version).toBe(7);
    expect(contract.cashflows).toEqual(await db.contractCashflows('rc1'));
    expect(contract.cashflows.length).toBe(events.length);
    const portfolio: any = await (await fetch(`${base()}/v1/portfolios/P1/cashflows`, authed())).json();
    expect(portfolio.cashflows.map((r: { payoff: number }) => r.payoff)).toEqual(
      events.map((e) => e.payoff * 2),
    );
    const ladder: any = await (
      await fetch(`${base()}/v1/portfolios/P1/ladder?bucket=quarter`, authed())
    ).json();
    expect(ladder.rows).toEqual(await db.cashflowLadder('P1', 'quarter'));
    expect((await fetch(`${base()}/v1/contracts/nope/cashflows`, authed())).status).toBe(404);
  });
});

async function cacheHits(): Promise<number> {
  const text = await (await fetch(`${base()}/metrics`)).text();
  const m = /^cashflow_api_cache_lookups_total\{result="hit"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}
