// The job-worker's callback delivery and chunk computation (its chunk processing runs against
// Redis in test/api.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../api/job-store.js';
import { missingCodes, withStoreData, type Cases } from '../api/compute.js';
import { packResults } from '../api/packed-results.js';
import { computeCase, type TestBedCase } from '../engine/testbed.js';
import { emptyWrites } from '../state/model.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { pamTerms } from '../test/support/pam-terms.js';
import { computeChunk, deliverCallback } from './job-worker.js';

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

function fakeFetch(statuses: (number | 'throw')[]) {
  const calls: { url: string; body: unknown }[] = [];
  const f = (async (url: string, init: RequestInit) => {
    calls.push({ url, body: JSON.parse(String(init.body)) });
    const s = statuses[Math.min(calls.length - 1, statuses.length - 1)];
    if (s === 'throw') throw new Error('connection refused');
    return new Response(null, { status: s });
  }) as unknown as typeof fetch;
  return { f, calls };
}

describe('job-worker callbacks', () => {
  it('retries failures and timeouts until the receiver accepts', async () => {
    const { f, calls } = fakeFetch(['throw', 503, 204]);
    expect(await deliverCallback(job, event, { fetch: f, initialDelayMs: 1 })).toEqual({
      delivered: true,
      attempts: 3,
    });
    expect(calls[2]).toMatchObject({
      url: 'http://127.0.0.1:9/cb',
      body: { jobId: 'job_1', status: 'completed', contracts: 3, resultUrl: '/v1/jobs/job_1/result' },
    });
  });
  it('gives up after the last attempt, and at once when the receiver refuses (4xx)', async () => {
    expect(
      await deliverCallback(job, event, { fetch: fakeFetch([500]).f, initialDelayMs: 1, attempts: 3 }),
    ).toEqual({ delivered: false, attempts: 3 });
    expect(await deliverCallback(job, event, { fetch: fakeFetch([404]).f, initialDelayMs: 1 })).toEqual({
      delivered: false,
      attempts: 1,
    });
    expect(await deliverCallback(job, event, { fetch: fakeFetch([429, 200]).f, initialDelayMs: 1 })).toEqual({
      delivered: true,
      attempts: 2,
    });
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
      const r = await computeChunk(cases, series);
      expect(r.count).toBe(6);
      expect(Buffer.from(r.packed)).toEqual(await expected(cases));
    }
    expect(reads).toEqual([['R'], ['R']]);
    const fixed = { a: cases.fixed, b: cases.after };
    expect(Buffer.from((await computeChunk(fixed, series)).packed)).toEqual(await expected(fixed));
    expect(reads).toHaveLength(2); // nothing to read
  });

  it('lets a store fault through (retriable) and packs the next chunk cleanly', async () => {
    await expect(computeChunk(cases, () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    expect(Buffer.from((await computeChunk(cases, (codes) => store.series(codes))).packed)).toEqual(await expected(cases));
  });
});
