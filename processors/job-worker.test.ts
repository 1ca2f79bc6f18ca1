// The job-worker's callback delivery (its chunk processing runs against Redis in test/api.test.ts).
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../api/job-store.js';
import { deliverCallback } from './job-worker.js';

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
