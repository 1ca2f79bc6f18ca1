// The API through fastify inject, with fake dependencies (no Redis, Kafka or database): auth,
// validation listing every field, limits, the sync answer equal to `cashflow actus`, jobs
// submitted as chunks, and a valid OpenAPI document.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '@readme/openapi-parser';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config/config.js';
import { computeTestBed } from '../engine/index.js';
import { buildTopology } from '../topology/topology.js';
import type { ChunkResults, JobRecord, JobStore } from '../jobs/job-store.js';
import { packResults, unpackResults } from '../wire/packed-results.js';
import { caseResultJson, objectBody } from './compute.js';
import { computeCase } from '../engine/index.js';
import { csvHeader, csvRows } from '../wire/csv.js';
import type { ApiJobChunk } from '../jobs/chunk.js';
import type { KafkaSide } from '../jobs/submit.js';
import { ApiMetrics } from './metrics.js';
import { buildApi, type ApiDependencies } from './server.js';
import { createAuthenticator } from './auth.js';
import { quickCheckCases } from '../jobs/chunk-check.js';
import { writeResultsJson } from '../wire/packed-results.js';
import { JsonBytes } from '../engine/index.js';
import { computeChunk } from '../jobs/compute-chunk.js';

const KEYS = 'key-one,key-two';
const bedPath = (t: string) => new URL(`../../shared/actus/tests/actus-tests-${t}.json`, import.meta.url);

/** An in-memory stand-in for the Redis job store (the methods the API uses). */
class FakeJobStore {
  readonly jobs = new Map<string, JobRecord>();
  async activeJobs(client: string) {
    return [...this.jobs.values()]
      .filter(
        (j) =>
          j.client === client && j.status !== 'completed' && j.status !== 'failed' && j.status !== 'staged',
      )
      .map((j) => j.jobId);
  }
  async stage(j: Pick<JobRecord, 'jobId' | 'client' | 'callbackUrl' | 'createdAtMs'>) {
    await this.create({ ...j, contractsTotal: 0, chunks: 0 });
    this.jobs.get(j.jobId)!.status = 'staged';
  }
  async renewStaged() {}
  async commitStaged(id: string, chunks: number, contracts: number) {
    const j = this.jobs.get(id);
    if (j?.status !== 'staged') return false;
    Object.assign(j, {
      chunks,
      contractsTotal: contracts,
      status: j.chunksDone > 0 ? 'running' : 'submitting',
    });
    return true;
  }
  async abortStaged(id: string) {
    if (this.jobs.get(id)?.status !== 'staged') return;
    this.jobs.delete(id);
    this.results.delete(id);
  }
  async create(
    j: Pick<JobRecord, 'jobId' | 'contractsTotal' | 'chunks' | 'client' | 'callbackUrl' | 'createdAtMs'>,
  ) {
    this.jobs.set(j.jobId, {
      ...j,
      status: 'submitting',
      chunksDone: 0,
      contractsDone: 0,
      startedAtMs: null,
      completedAtMs: null,
      callbackStatus: null,
      callbackAttempts: 0,
      error: null,
    });
  }
  async markQueued(id: string) {
    this.jobs.get(id)!.status = 'queued';
  }
  async fail(id: string, reason: string) {
    Object.assign(this.jobs.get(id)!, { status: 'failed', error: reason });
  }
  async get(id: string) {
    return this.jobs.get(id);
  }
  /** Stored chunks per job, as JobStore.chunkResults reads them. */
  readonly results = new Map<string, (ChunkResults | undefined)[]>();
  async *chunkResults(id: string, chunks: number) {
    for (let i = 0; i < chunks; i++) yield this.results.get(id)?.[i];
  }
}

function fakeKafka() {
  const sent: { topic: string; key: string; value: unknown }[] = [];
  const kafka = {
    producer: {
      send: async ({ topic, messages }: { topic: string; messages: { key: string; value: Buffer }[] }) => {
        for (const m of messages) sent.push({ topic, key: m.key, value: JSON.parse(m.value.toString()) });
      },
    },
    codec: { encoder: async () => (v: unknown) => Buffer.from(JSON.stringify(v)) },
  } as unknown as KafkaSide;
  return { kafka, sent };
}

async function api(env: Record<string, string> = {}, extra: Partial<ApiDependencies> = {}) {
  const config = loadConfig({ CASHFLOW_API_KEYS: KEYS, ...env });
  const jobs = new FakeJobStore();
  const { kafka, sent } = fakeKafka();
  const app = await buildApi({
    config,
    topology: buildTopology({ database: 'cashflow', schema: 'public', prefix: 'unit.' }),
    metrics: new ApiMetrics(),
    redis: () => undefined,
    readDatabase: async () => {
      throw new Error('no database in unit tests');
    },
    kafka: async () => kafka,
    readiness: async () => ({ redis: { status: 'unreachable' } }),
    jobStore: () => jobs as unknown as JobStore,
    ...extra,
  });
  return { app, jobs, sent };
}

const key = { 'x-api-key': 'key-one' };
const pam = {
  terms: {
    contractType: 'PAM',
    contractID: 'p1',
    contractRole: 'RPA',
    currency: 'USD',
    statusDate: '2015-01-01T00:00:00',
    initialExchangeDate: '2015-01-15T00:00:00',
    maturityDate: '2016-01-15T00:00:00',
    notionalPrincipal: '1000',
    nominalInterestRate: '0.05',
    dayCountConvention: 'A365',
    cycleOfInterestPayment: 'P3ML0',
    cycleAnchorDateOfInterestPayment: '2015-01-15T00:00:00',
  },
};

describe('API', () => {
  let app: FastifyInstance;
  let jobs: FakeJobStore;
  let sent: { topic: string; key: string; value: unknown }[];
  beforeAll(async () => {
    ({ app, jobs, sent } = await api({
      API_SYNC_MAX_CONTRACTS: '5',
      API_JOB_CHUNK_SIZE: '2',
      API_MAX_CONCURRENT_JOBS: '2',
      API_MAX_CONTRACTS_PER_REQUEST: '10',
      API_BODY_LIMIT_BYTES: '200000',
      // this test's callbacks go to loopback
      API_CALLBACK_ALLOWED_NETWORKS: '127.0.0.1',
      API_CALLBACK_SECRET: 'unit-test-secret',
    }));
  });
  afterAll(() => app.close());

  it('refuses requests without a key, or with a wrong one, with 401', async () => {
    for (const headers of [
      {},
      { 'x-api-key': 'nope' },
      { authorization: 'Bearer nope' },
      { authorization: 'Basic a2V5LW9uZQ==' },
    ]) {
      const r = await app.inject({ method: 'POST', url: '/v1/cashflows', payload: { a: pam }, headers });
      expect(r.statusCode).toBe(401);
      expect(r.json().error).toMatch(/API key/);
    }
    expect((await app.inject({ method: 'GET', url: '/v1/jobs/job_x' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/contracts/c1/cashflows' })).statusCode).toBe(401);
  });

  it('accepts either configured key as x-api-key or bearer token', async () => {
    for (const headers of [
      { 'x-api-key': 'key-one' },
      { 'x-api-key': 'key-two' },
      { authorization: 'Bearer key-two' },
    ]) {
      const r = await app.inject({ method: 'POST', url: '/v1/cashflows', payload: { a: pam }, headers });
      expect(r.statusCode).toBe(200);
    }
  });

  it('serves health, readiness (its status alone), metrics, the OpenAPI document and the docs page without a key', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    // the status alone without a valid key; each dependency with one
    for (const headers of [{}, { 'x-api-key': 'nope' }]) {
      const ready = await app.inject({ method: 'GET', url: '/readyz', headers });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
    }
    const ready = await app.inject({ method: 'GET', url: '/readyz', headers: key });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      dependencies: { engine: { status: 'ok' }, redis: { status: 'unreachable' } },
    });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/cashflow_api_request_seconds/);
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    // the topics' contract, without a key (topology/asyncapi.test.ts checks the document)
    const asyncApi = await app.inject({ method: 'GET', url: '/asyncapi.json' });
    expect(asyncApi.statusCode).toBe(200);
    expect(asyncApi.json().asyncapi).toBe('3.0.0');
    expect(asyncApi.json().channels.contractCashflows.address).toMatch(/cashflow\.contract-cashflows$/);
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toMatch(/swagger/i);
  });

  it('answers byte for byte what `cashflow actus` prints for the same file', async () => {
    for (const type of ['pam', 'ann', 'swaps']) {
      const text = readFileSync(bedPath(type), 'utf8');
      const { app: big } = await api({ API_SYNC_MAX_CONTRACTS: '1000' });
      const r = await big.inject({
        method: 'POST',
        url: '/v1/cashflows',
        payload: text,
        headers: { ...key, 'content-type': 'application/json' },
      });
      await big.close();
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.body).toBe(JSON.stringify(computeTestBed(JSON.parse(text))) + '\n');
    }
  });

  it('lists every offending field of a malformed body with 400', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/cashflows',
      headers: key,
      payload: {
        a: { terms: 'PAM' },
        b: { dataObserved: {} },
        c: {
          terms: {},
          to: 7,
          eventsObserved: [{ time: '2020-01-01' }],
          dataObserved: { X: { data: [{ value: 1 }] } },
        },
      },
    });
    expect(r.statusCode).toBe(400);
    const fields = (r.json().issues as { field: string }[]).map((i) => i.field).sort();
    expect(fields).toEqual([
      '/a/terms',
      '/b/terms',
      '/c/dataObserved/X/data/0/timestamp',
      '/c/eventsObserved/0/type',
      '/c/to',
    ]);
    // a field quotes a bounded prefix of a huge case id
    const id = 'i'.repeat(150_000);
    const long = await app.inject({ method: 'POST', url: '/v1/cashflows', headers: key, payload: { [id]: { terms: 'PAM' } } });
    expect(long.statusCode).toBe(400);
    expect(long.json().issues).toEqual([{ in: 'body', field: `/${'i'.repeat(199)}… (150007 chars)`, message: 'must be object' }]);
    for (const bad of ['[]', '{}', '"x"', '{"a":', '']) {
      const b = await app.inject({
        method: 'POST',
        url: '/v1/cashflows',
        headers: { ...key, 'content-type': 'application/json' },
        payload: bad,
      });
      expect(b.statusCode, bad).toBe(400);
      expect(b.json().error).toBeTruthy();
    }
  });

  it('refuses a job whose body has bad cases anywhere, listing every one, before any chunk goes out', async () => {
    const body: Record<string, unknown> = {};
    for (let i = 0; i < 9; i++) body[`c${i}`] = pam;
    body.c3 = { terms: 'PAM' };
    body.c8 = { terms: {}, to: 7 };
    sent.length = 0;
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: body });
    expect(r.statusCode).toBe(400);
    expect((r.json().issues as { field: string }[]).map((i) => i.field).sort()).toEqual([
      '/c3/terms',
      '/c8/to',
    ]);
    const poisoned = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...key, 'content-type': 'application/json' },
      payload: `{"a":${JSON.stringify(pam)},"__proto__":{"terms":{}}}`,
    });
    expect(poisoned.statusCode).toBe(400);
    expect(sent).toEqual([]);
  });

  it('caches each computed result as its text, and answers the same bytes from the cache', async () => {
    const kept = new Map<string, string>();
    const redis = {
      defineCommand() {}, // the state store defines its Lua scripts (unused here)
      mget: async (keys: string[]) => keys.map((k) => kept.get(k) ?? null),
      pipeline() {
        return {
          set(k: string, v: string) {
            kept.set(k, v);
            return this;
          },
          exec: async () => [],
        };
      },
    };
    const { app: cached } = await api({}, { redis: () => redis as never });
    const body = { a: pam, b: { terms: { ...pam.terms, contractID: 'p2', notionalPrincipal: '2000' } } };
    const first = await cached.inject({ method: 'POST', url: '/v1/cashflows', headers: key, payload: body });
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(first.body).toBe(`{"a":${caseResultJson(body.a)},"b":${caseResultJson(body.b)}}\n`);
    expect([...kept.values()].sort()).toEqual([caseResultJson(body.a), caseResultJson(body.b)].sort());
    const again = await cached.inject({ method: 'POST', url: '/v1/cashflows', headers: key, payload: body });
    expect(again.headers['x-cache']).toBe('hit');
    expect(again.body).toBe(first.body);
    await cached.close();
  });

  it('answers a body nested 20,000 deep and one with __proto__ or constructor keys 400, saying what is wrong', async () => {
    const headers = { ...key, 'content-type': 'application/json' };
    const deep = `{"a":{"terms":${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`;
    for (const url of ['/v1/cashflows', '/v1/jobs']) {
      const r = await app.inject({ method: 'POST', url, headers, payload: deep });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toMatch(/^body nested deeper than 64 levels of objects and arrays/);
    }
    for (const [payload, field] of [
      [`{"a":{"terms":{"__proto__":{"x":1}}}}`, '/a/terms/__proto__'],
      [`{"a":{"terms":{"constructor":{"prototype":{"x":1}}}}}`, '/a/terms/constructor'],
      [`{"a":${JSON.stringify(pam)},"__proto__":{"terms":{}}}`, '/__proto__'],
      // in a job's body, cut and checked while it streams in (jobs/staged-job.ts)
      [`{"a":${JSON.stringify(pam)},"b":{"terms":{"__proto__":{"x":1}}}}`, '/b/terms/__proto__'],
      [`{"a":${JSON.stringify(pam)},"b":{"terms":${JSON.stringify(pam.terms)},"dataObserved":{"constructor":{}}}}`, '/b/dataObserved/constructor'],
    ])
    for (const url of ['/v1/cashflows', '/v1/jobs']) {
      const r = await app.inject({ method: 'POST', url, headers, payload });
      expect(r.statusCode, `${url} ${field}`).toBe(400);
      expect(r.json()).toEqual({
        error: `keys named __proto__ or constructor (with or without prototype) are not accepted, at any depth: found ${field}`,
        issues: [
          {
            in: 'body',
            field,
            message: `keys named __proto__ or constructor (with or without prototype) are not accepted, at any depth: found ${field}`,
          },
        ],
      });
    }
  });

  it('gives a case whose terms the engine rejects its own error naming the terms, and answers the others', async () => {
    const bad = {
      terms: { ...pam.terms, contractID: 'bad', notionalPrincipal: 'lots', dayCountConvention: 'XYZ' },
    };
    const r = await app.inject({
      method: 'POST',
      url: '/v1/cashflows',
      headers: key,
      payload: { good: pam, bad },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(Array.isArray(body.good)).toBe(true);
    expect(body.good.length).toBeGreaterThan(2);
    expect(body.bad.error).toMatch(/notionalPrincipal/);
    expect(body.bad.error).toMatch(/dayCountConvention/);
  });

  it('gives a case with a misspelt term, a value out of range or market data that is not a number its own bounded error', async () => {
    const { cycleOfInterestPayment, ...rest } = pam.terms;
    const floating = {
      ...pam.terms, cycleOfRateReset: 'P6ML1', cycleAnchorDateOfRateReset: '2015-07-15T00:00:00', marketObjectCodeOfRateReset: 'R', rateSpread: '0',
    };
    const r = await app.inject({
      method: 'POST',
      url: '/v1/cashflows',
      headers: key,
      payload: {
        good: pam,
        misspelt: { terms: { ...rest, cycleOfInterestPaymnt: cycleOfInterestPayment } },
        negative: { terms: { ...pam.terms, notionalPrincipal: '-1000', currency: 'USDX' } },
        huge: { terms: { ...pam.terms, maturityDate: '2'.repeat(150_000) } },
        market: { terms: floating, dataObserved: { R: { identifier: 'R', data: [{ timestamp: '2015-01-01T00:00:00', value: 0.01 }, { timestamp: '2015-07-01T00:00:00', value: 'abc' }] } } },
      },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(Array.isArray(body.good)).toBe(true);
    expect(body.misspelt).toEqual({ error: "invalid terms of p1: cycleOfInterestPaymnt: unknown term 'cycleOfInterestPaymnt' (did you mean 'cycleOfInterestPayment'?)" });
    expect(body.negative).toEqual({ error: 'invalid terms of p1: currency: not an ISO 4217 currency code: "USDX"; notionalPrincipal: must not be negative: -1000' });
    expect(body.huge.error).toBe(`invalid terms of p1: maturityDate: malformed date-time (want YYYY-MM-DDTHH:MM:SS): "${'2'.repeat(40)}"… (150000 chars)`);
    expect(body.market).toEqual({ error: 'market data "R", observation 1 (timestamp "2015-07-01T00:00:00"): value "abc" is not a finite number' });
  });

  it('gives a job\'s case with a misspelt term its error in the result, though its chunk is checked from its bytes', async () => {
    const { nominalInterestRate, ...rest } = pam.terms;
    const six: Record<string, unknown> = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`c${i}`, pam]));
    six.c4 = { terms: { ...rest, nominalInterestRat: nominalInterestRate } };
    const text = JSON.stringify(six);
    // the chunk is of the shape quickCheckCases is sure of: it is not parsed on its way to Kafka
    expect(quickCheckCases(Buffer.from(JSON.stringify({ c4: six.c4, c5: six.c5 })))).toEqual(['c4', 'c5']);
    sent.length = 0;
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...key, 'content-type': 'application/json' }, payload: text });
    expect(r.statusCode).toBe(202);
    const chunks = sent.filter((m) => m.topic === 'unit.cashflow.api-jobs').map((m) => (m.value as ApiJobChunk).cases!);
    const w = new JsonBytes();
    for (const [i, chunk] of chunks.entries()) {
      const { packed } = await computeChunk(JSON.parse(chunk), async () => new Map());
      writeResultsJson(w, unpackResults(packed), i > 0);
    }
    const result = JSON.parse(`{${w.toString()}}`);
    expect(Object.keys(result)).toEqual(Object.keys(six));
    expect(result.c4).toEqual({
      error: "invalid terms of p1: nominalInterestRat: unknown term 'nominalInterestRat' (did you mean 'nominalInterestRate'?); nominalInterestRate: missing required term",
    });
    expect(Array.isArray(result.c5)).toBe(true);
    jobs.jobs.delete(r.json().jobId); // not running: no slot of API_MAX_CONCURRENT_JOBS taken from the next tests
  });

  it('refuses bodies over the size limit and requests over the contract limit with 413', async () => {
    const big = await app.inject({
      method: 'POST',
      url: '/v1/cashflows',
      headers: key,
      payload: { a: { terms: { ...pam.terms, pad: 'x'.repeat(300_000) } } },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatch(/API_BODY_LIMIT_BYTES/);
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`c${i}`, pam]));
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: many });
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toMatch(/API_MAX_CONTRACTS_PER_REQUEST/);
  });

  it('turns a request over API_SYNC_MAX_CONTRACTS into a job of chunks (202), and limits running jobs per client with 429', async () => {
    const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`c${i}`, pam]));
    sent.length = 0;
    const r = await app.inject({
      method: 'POST',
      url: '/v1/cashflows?callbackUrl=http://127.0.0.1:9/cb',
      headers: key,
      payload: six,
    });
    expect(r.statusCode).toBe(202);
    const { jobId, chunks, contracts } = r.json();
    expect({ chunks, contracts }).toEqual({ chunks: 3, contracts: 6 });
    const chunkMessages = sent.filter((m) => m.topic === 'unit.cashflow.api-jobs');
    expect(chunkMessages.map((m) => m.key)).toEqual([`${jobId}|0`, `${jobId}|1`, `${jobId}|2`]);
    const all = Object.assign({}, ...chunkMessages.map((m) => JSON.parse((m.value as ApiJobChunk).cases!)));
    expect(all).toEqual(six);
    expect(
      sent.some(
        (m) => m.topic === 'unit.cashflow.job-events' && (m.value as { type: string }).type === 'queued',
      ),
    ).toBe(true);
    expect(jobs.jobs.get(jobId)).toMatchObject({
      status: 'queued',
      callbackUrl: 'http://127.0.0.1:9/cb',
      chunks: 3,
    });

    const status = await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}`, headers: key });
    expect(status.json()).toMatchObject({
      jobId,
      status: 'queued',
      chunks: { done: 0, total: 3 },
      contracts: { done: 0, total: 6 },
    });
    // another client does not see it
    expect(
      (await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}`, headers: { 'x-api-key': 'key-two' } }))
        .statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}/result`, headers: key })).statusCode,
    ).toBe(409);

    const second = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { a: pam } });
    expect(second.statusCode).toBe(202);
    const third = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { a: pam } });
    expect(third.statusCode).toBe(429);
    expect(third.json().error).toMatch(/API_MAX_CONCURRENT_JOBS/);
    // another client has its own allowance
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/jobs',
          headers: { 'x-api-key': 'key-two' },
          payload: { a: pam },
        })
      ).statusCode,
    ).toBe(202);
    const badCallback = await app.inject({
      method: 'POST',
      url: '/v1/jobs?callbackUrl=ftp://x',
      headers: { 'x-api-key': 'key-two' },
      payload: { a: pam },
    });
    expect(badCallback.statusCode).toBe(400);
    expect(badCallback.json().issues[0]).toMatchObject({ in: 'querystring', field: '/callbackUrl' });
  });

  it('refuses a callbackUrl to loopback, private or link-local addresses (cloud metadata) with 400 naming the rule, before any job exists', async () => {
    const two = { 'x-api-key': 'key-two' };
    const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`c${i}`, pam]));
    const jobsBefore = jobs.jobs.size;
    const sentBefore = sent.length;
    for (const [callbackUrl, rule] of [
      ['http://169.254.169.254/latest/meta-data/', /^callbackUrl 169\.254\.169\.254, a link-local address \(169\.254\.0\.0\/16, with the cloud metadata address/],
      ['http://127.0.0.2:8080/cb', /^callbackUrl 127\.0\.0\.2, a loopback address/],
      ['https://10.0.0.5/hook', /^callbackUrl 10\.0\.0\.5, a private address \(RFC 1918/],
      ['http://[fd00::1]/hook', /^callbackUrl fd00::1, a private address/],
      ['http://[::ffff:192.168.0.1]/hook', /^callbackUrl ::ffff:c0a8:1, a private address/],
    ] as const)
      for (const [url, payload] of [
        ['/v1/jobs', { a: pam }],
        ['/v1/cashflows', six],
      ] as const) {
        const r = await app.inject({
          method: 'POST',
          url: `${url}?callbackUrl=${encodeURIComponent(callbackUrl)}`,
          headers: two,
          payload,
        });
        expect(r.statusCode, `${url} ${callbackUrl}`).toBe(400);
        expect(r.json().error).toMatch(rule);
        expect(r.json().error).toMatch(/callbacks go to public addresses only, unless API_CALLBACK_ALLOWED_NETWORKS lists it$/);
        expect(r.json().issues).toEqual([{ in: 'querystring', field: '/callbackUrl', message: r.json().error }]);
      }
    expect(jobs.jobs.size).toBe(jobsBefore);
    expect(sent.length).toBe(sentBefore);

    // without a secret to sign them, no callbacks at all
    const { app: unsigned } = await api({ API_CALLBACK_ALLOWED_NETWORKS: '127.0.0.1' });
    const r = await unsigned.inject({ method: 'POST', url: '/v1/jobs?callbackUrl=http://127.0.0.1:9/cb', headers: key, payload: { a: pam } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toBe(
      'callbackUrl: this deployment sends no callbacks: they are signed with API_CALLBACK_SECRET, which is not set',
    );
    expect((await unsigned.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { a: pam } })).statusCode).toBe(202);
    await unsigned.close();
  });

  it('stages a job while its body streams in: a bad case deep in it is a 400 listing every field, and nothing of it remains', async () => {
    const own = await api({ API_JOB_CHUNK_SIZE: '2', API_MAX_CONTRACTS_PER_REQUEST: '20' });
    try {
      const body: Record<string, unknown> = {};
      for (let i = 0; i < 12; i++) body[`c${i}`] = pam;
      body.c7 = { terms: 'PAM' };
      body.c11 = { terms: {}, to: 7 };
      // as it comes off a socket: in pieces
      const streamed = (b: unknown) => {
        const text = JSON.stringify(b);
        return Readable.from(
          Array.from({ length: Math.ceil(text.length / 300) }, (_, i) => text.slice(i * 300, (i + 1) * 300)),
        );
      };
      const json = { ...key, 'content-type': 'application/json' };
      const post = () => own.app.inject({ method: 'POST', url: '/v1/jobs', headers: json, payload: streamed(body) });
      const r = await post();
      expect(r.statusCode).toBe(400);
      expect(r.json()).toEqual({
        error: 'invalid request',
        issues: [
          { in: 'body', field: '/c7/terms', message: 'must be object' },
          { in: 'body', field: '/c11/to', message: 'must be string' },
        ],
      });
      // the first chunks were produced while the body streamed in, under a staged job...
      const staged = own.sent.filter((m) => m.topic === 'unit.cashflow.api-jobs');
      expect(staged.map((m) => m.key.split('|')[1])).toEqual(['0', '1']);
      const stagedId = (staged[0].value as ApiJobChunk).jobId;
      // ...which is gone with the refusal: no job, no event, nothing to read, no running job counted
      expect(own.sent.filter((m) => m.topic !== 'unit.cashflow.api-jobs')).toEqual([]);
      expect(own.jobs.jobs.size).toBe(0);
      const status = await own.app.inject({ method: 'GET', url: `/v1/jobs/${stagedId}`, headers: key });
      expect(status.statusCode).toBe(404);
      expect(
        (await own.app.inject({ method: 'GET', url: `/v1/jobs/${stagedId}/result`, headers: key }))
          .statusCode,
      ).toBe(404);
      expect(await own.jobs.activeJobs('key-one')).toEqual([]);

      // the same body made valid: 202, and its chunks are the body's cases in order
      body.c7 = pam;
      body.c11 = pam;
      own.sent.length = 0;
      const ok = await post();
      expect(ok.statusCode).toBe(202);
      expect(ok.json()).toMatchObject({ contracts: 12, chunks: 6 });
      const chunks = own.sent
        .filter((m) => m.topic === 'unit.cashflow.api-jobs')
        .map((m) => m.value as ApiJobChunk);
      expect(chunks.map((c) => [c.chunk, c.chunks])).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
        [3, 0],
        [4, 0],
        [5, 6],
      ]);
      expect(chunks.flatMap((c) => Object.keys(JSON.parse(c.cases!)))).toEqual(Object.keys(body));
      expect(own.jobs.jobs.get(ok.json().jobId)).toMatchObject({
        status: 'queued',
        chunks: 6,
        contractsTotal: 12,
      });
      // a staged job is never visible, even to its own client
      own.jobs.jobs.get(ok.json().jobId)!.status = 'staged';
      expect(
        (await own.app.inject({ method: 'GET', url: `/v1/jobs/${ok.json().jobId}`, headers: key }))
          .statusCode,
      ).toBe(404);
    } finally {
      await own.app.close();
    }
  });

  it("streams a completed job's result from its packed chunks: what `cashflow actus` prints, and its CSV", async () => {
    const bed = JSON.parse(readFileSync(bedPath('pam'), 'utf8')) as Record<string, { terms: object }>;
    const all = { ...bed, bad: { terms: { ...pam.terms, contractType: 'NOPE' } } };
    const ids = Object.keys(all);
    const parts = [ids.slice(0, 5), ids.slice(5, 12), ids.slice(12)];
    const jobId = 'job_packed';
    const client = createAuthenticator(loadConfig({ CASHFLOW_API_KEYS: KEYS }).api.keys).clientOf(key)!;
    jobs.jobs.set(jobId, {
      jobId,
      client,
      status: 'completed',
      contractsTotal: ids.length,
      contractsDone: ids.length,
      createdAtMs: 1,
      startedAtMs: 2,
      completedAtMs: 3,
      callbackUrl: null,
      callbackStatus: null,
      callbackAttempts: 0,
      error: null,
      chunks: 4,
      chunksDone: 4,
    });
    const packed = (part: string[]): ChunkResults => ({
      packed: unpackResults(
        packResults(
          part,
          part.map((id) => computeCase(all[id as keyof typeof all])),
        ),
      ),
    });
    // an earlier version's chunk (JSON text) among packed ones, and an empty one
    jobs.results.set(jobId, [
      packed(parts[0]),
      {
        text: objectBody(
          parts[1],
          parts[1].map((id) => caseResultJson(all[id as keyof typeof all])),
        ),
      },
      packed([]),
      packed(parts[2]),
    ]);
    const json = await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}/result`, headers: key });
    expect(json.statusCode).toBe(200);
    expect(json.body).toBe(JSON.stringify(computeTestBed(all)) + '\n');
    const csv = await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}/result?format=csv`, headers: key });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toBe(csvHeader() + csvRows(computeTestBed(all)));
  });

  it('answers 503 for jobs and reads when Kafka or the database is unreachable, and still computes', async () => {
    const { app: down } = await api(
      { API_SYNC_MAX_CONTRACTS: '1' },
      {
        kafka: async () => {
          throw new Error('broker down');
        },
      },
    );
    const job = await down.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { a: pam } });
    expect(job.statusCode).toBe(503);
    expect(job.json().error).toMatch(/Kafka/);
    expect(
      (await down.inject({ method: 'GET', url: '/v1/portfolios/p/ladder?bucket=month', headers: key }))
        .statusCode,
    ).toBe(503);
    expect(
      (await down.inject({ method: 'GET', url: '/v1/portfolios/p/ladder?bucket=week', headers: key }))
        .statusCode,
    ).toBe(400);
    expect(
      (await down.inject({ method: 'POST', url: '/v1/cashflows', headers: key, payload: { a: pam } }))
        .statusCode,
    ).toBe(200);
    await down.close();
  });

  it('publishes a valid OpenAPI 3 document generated from the routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/cashflows',
      '/v1/jobs',
      '/v1/jobs/{id}',
      '/v1/jobs/{id}/events',
      '/v1/jobs/{id}/result',
      '/v1/contracts/{id}/cashflows',
      '/v1/portfolios/{id}/cashflows',
      '/v1/portfolios/{id}/ladder',
      '/v1/portfolios/{id}/recalc',
      '/healthz',
      '/readyz',
      '/metrics',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
    const result = await validate(structuredClone(doc));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });
});

describe('API rate limits', () => {
  const wrong = { 'x-api-key': 'not-a-key' };
  const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'GET', url, headers, remoteAddress });
  const opsAnswer = async (app: FastifyInstance, remoteAddress: string) => {
    for (const url of ['/healthz', '/readyz', '/metrics'])
      expect((await get(app, url, {}, remoteAddress)).statusCode, url).toBe(200);
  };

  it('limits wrong keys per address (500 of them: the first 30 get 401, the rest 429 with Retry-After), then compares no key from there', async () => {
    const { app } = await api();
    const codes = new Map<number, number>();
    for (let i = 0; i < 500; i++) {
      const r = await get(app, '/v1/jobs/job_x', { 'x-api-key': `guess-${i}` });
      codes.set(r.statusCode, (codes.get(r.statusCode) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).toEqual({ 401: 30, 429: 470 });
    const refused = await get(app, '/v1/jobs/job_x', wrong);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json().error).toMatch(
      /^too many requests without a valid API key from this address: 30 in 60 s \(API_RATE_LIMIT_AUTH_FAILURES\); no key is checked from it for \d+ s$/,
    );
    // a right key from that address is refused the same (its answer must not tell it is right)
    expect((await get(app, '/v1/jobs/job_x', key)).statusCode).toBe(429);
    // other addresses are not affected; the operations endpoints answer everyone
    expect((await get(app, '/v1/jobs/job_x', key, '10.1.2.3')).statusCode).toBe(404);
    expect((await get(app, '/v1/jobs/job_x', wrong, '10.1.2.3')).statusCode).toBe(401);
    await opsAnswer(app, '127.0.0.1');
    expect((await get(app, '/metrics')).body).toMatch(/cashflow_api_rejected_total\{reason="rate limited"\} 47[0-9]/);
    await app.close();
  });

  it('limits requests per API key, whatever their address', async () => {
    const { app } = await api({ API_RATE_LIMIT_PER_KEY: '3', API_RATE_LIMIT_WINDOW_SECONDS: '30' });
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      expect((await get(app, '/v1/jobs/job_x', key, address)).statusCode).toBe(404);
    const r = await get(app, '/v1/jobs/job_x', key, '10.0.0.4');
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(r.json().error).toMatch(
      /^too many requests with this API key: over 3 in 30 s \(API_RATE_LIMIT_PER_KEY\); retry after \d+ s$/,
    );
    // the other key has its own count
    expect((await get(app, '/v1/jobs/job_x', { 'x-api-key': 'key-two' }, '10.0.0.4')).statusCode).toBe(404);
    await opsAnswer(app, '10.0.0.4');
    await app.close();
  });

  it('limits requests per address, whatever their key, and leaves the operations endpoints unlimited', async () => {
    const { app } = await api({ API_RATE_LIMIT_PER_ADDRESS: '4' });
    const two = { 'x-api-key': 'key-two' };
    expect((await get(app, '/v1/jobs/job_x', key)).statusCode).toBe(404);
    expect((await get(app, '/v1/jobs/job_x', two)).statusCode).toBe(404);
    expect((await get(app, '/openapi.json')).statusCode).toBe(200);
    expect((await get(app, '/v1/jobs/job_x', wrong)).statusCode).toBe(401);
    for (let i = 0; i < 50; i++) await opsAnswer(app, '127.0.0.1');
    const r = await get(app, '/v1/jobs/job_x', two);
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBeDefined();
    expect(r.json().error).toMatch(/^too many requests from this address: over 4 in 60 s \(API_RATE_LIMIT_PER_ADDRESS\)/);
    expect((await get(app, '/v1/jobs/job_x', two, '::ffff:10.9.9.9')).statusCode).toBe(404);
    await app.close();
  });

  it('turns a limit off with 0', async () => {
    const { app } = await api({ API_RATE_LIMIT_AUTH_FAILURES: '0', API_RATE_LIMIT_PER_ADDRESS: '0' });
    for (let i = 0; i < 100; i++) expect((await get(app, '/v1/jobs/job_x', wrong)).statusCode).toBe(401);
    await app.close();
  });
});
