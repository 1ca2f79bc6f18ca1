// A job's callback: retries, signatures, the receiver's circuit breaker, refused addresses.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Breakers } from '../clients/breaker.js';
import { callbackSignature } from './callback-delivery.js';
import { deliverCallback } from './job-callback.js';
import type { JobRecord } from './job-store.js';

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
const SECRET = 'job-callback-test-secret';
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

describe('job callbacks', () => {
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
