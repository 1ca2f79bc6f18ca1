// `cashflow serve` (startApi) over dependencies it cannot reach: /readyz without a key gives the
// status alone and, with a key, each dependency's state; neither it nor any error body or header
// names where a dependency is (URL, host, port, user, password, database name): 503 bodies used to
// echo the database URL and /readyz the broker's address to anyone. Real clients fail against
// names under .invalid (RFC 6761: never resolved); a second API reaches the local Redis (its own
// key prefix, nothing written) so that a job gets as far as Kafka.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { buildTopology } from '../topology/topology.js';
import { pamTerms } from '../test/support/pam-terms.js';
import { startApi, type RunningApi } from './index.js';

const run = randomBytes(4).toString('hex');
const KEY = `leak-key-${run}`;

/** What no answer may contain. */
const SECRETS = {
  DATABASE_URL: 'postgres://leaky_user:leaky_pw@db-leak-host.invalid:47213/leaky_db',
  KAFKA_BOOTSTRAP_SERVERS: 'broker-leak-host.invalid:39157',
  SCHEMA_REGISTRY_URL: 'http://registry_user:registry_pw@registry-leak-host.invalid:28461/apis/ccompat/v7',
  REDIS_URL: 'redis://redis_user:redis_pw@redis-leak-host.invalid:36379',
};
const FORBIDDEN = [
  'leaky_user', 'leaky_pw', 'db-leak-host', '47213', 'leaky_db',
  'broker-leak-host', '39157',
  'registry_user', 'registry_pw', 'registry-leak-host', '28461',
  'redis_user', 'redis_pw', 'redis-leak-host', '36379',
];

const pam = { terms: pamTerms({ contractID: 'p1' }) };
/** A case whose rate resets on a market object code the body lacks: read from the store. */
const floating = {
  terms: { ...pam.terms, contractID: 'f1', cycleOfRateReset: 'P1YL1', marketObjectCodeOfRateReset: `LEAK.${run}` },
};

const apis: RunningApi[] = [];
async function serve(env: Record<string, string>): Promise<string> {
  const config = loadConfig({
    ...SECRETS,
    CASHFLOW_API_KEYS: KEY,
    API_SYNC_MAX_CONTRACTS: '1',
    API_CACHE_TTL_SECONDS: '0',
    ...env,
  });
  const api = await startApi({
    config,
    topology: buildTopology({ database: 'leaky_db', schema: 'public', prefix: `leak${run}.` }),
    redisPrefix: `cashflow-leak-${run}:`,
    port: 0,
  });
  apis.push(api);
  return `http://127.0.0.1:${api.port}`;
}

interface Answer {
  what: string;
  status: number;
  text: string;
}
async function ask(base: string, what: string, init: RequestInit & { key?: boolean } = {}): Promise<Answer> {
  const [method, path] = what.split(' ');
  const r = await fetch(`${base}${path}`, {
    ...init,
    method,
    headers: { 'content-type': 'application/json', ...(init.key === false ? {} : { 'x-api-key': KEY }) },
  });
  const headers = [...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  return { what, status: r.status, text: `${headers}\n\n${await r.text()}` };
}

const scan = (answers: Answer[]) =>
  answers.flatMap((a) => FORBIDDEN.filter((s) => a.text.includes(s)).map((s) => `${a.what} (${a.status}) shows ${s}`));

afterAll(async () => {
  for (const a of apis) await a.close();
});

describe('no answer names where a dependency is', () => {
  let unreachable: string;
  let withRedis: string;
  beforeAll(async () => {
    unreachable = await serve({});
    withRedis = await serve({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  });

  it('/readyz: the status alone without a valid key; with one, each dependency and a reason that names no endpoint', async () => {
    for (const headers of [{}, { 'x-api-key': 'wrong' }] as Record<string, string>[]) {
      const r = await fetch(`${unreachable}/readyz`, { headers });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ status: 'ready' });
    }
    const r = await ask(unreachable, 'GET /readyz');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text.slice(r.text.indexOf('\n\n') + 2));
    expect(body).toMatchObject({
      status: 'ready',
      dependencies: {
        engine: { status: 'ok' },
        redis: { status: 'unreachable', detail: expect.any(String) },
        kafka: { status: 'unreachable', detail: expect.any(String) },
        database: { status: 'unreachable', detail: 'database: host name not resolved' },
      },
    });
    expect(scan([r])).toEqual([]);
  });

  it('every 503 and every other answer over unreachable dependencies', { timeout: 120_000 }, async () => {
    const body = (cases: object) => ({ body: JSON.stringify(cases) });
    const answers: Answer[] = [];
    for (const [name, base] of [
      ['unreachable', unreachable],
      ['with redis', withRedis],
    ] as const) {
      const asked = [
        await ask(base, 'GET /readyz'),
        await ask(base, 'GET /readyz', { key: false }),
        await ask(base, 'GET /v1/contracts/c1/cashflows'),
        await ask(base, 'GET /v1/portfolios/p1/cashflows'),
        await ask(base, 'GET /v1/portfolios/p1/ladder?bucket=month'),
        await ask(base, 'GET /v1/jobs/job_x'),
        // market data from the store, which is not there or has no such series
        await ask(base, 'POST /v1/cashflows', body({ f: floating })),
        await ask(base, 'POST /v1/cashflows', { body: '{"a":' }),
        await ask(base, 'GET /v1/jobs/job_x', { key: false }),
      ];
      // a job: with Redis unreachable refused before Kafka; with Redis, Kafka is tried (30 s, as
      // librdkafka waits): over API_SYNC_MAX_CONTRACTS, a job with no body staged on the way
      asked.push(await ask(base, 'POST /v1/cashflows', body({ a: pam, b: pam })));
      if (name === 'unreachable') asked.push(await ask(base, 'POST /v1/jobs', body({ a: pam })));
      for (const a of asked) a.what = `${name} ${a.what}`;
      answers.push(...asked);
    }
    const status = (what: string) => answers.filter((a) => a.what === what).map((a) => a.status);
    // the paths that meet a dependency were taken: 503 each
    expect(status('unreachable GET /v1/contracts/c1/cashflows')).toEqual([503]);
    expect(status('unreachable GET /v1/portfolios/p1/ladder?bucket=month')).toEqual([503]);
    expect(status('unreachable GET /v1/jobs/job_x')).toEqual([503, 401]);
    expect(status('unreachable POST /v1/jobs')).toEqual([503]);
    expect(status('unreachable POST /v1/cashflows')).toEqual([200, 400, 503]);
    expect(status('with redis GET /v1/portfolios/p1/cashflows')).toEqual([503]);
    // with Redis but without the pipeline's state marker: 503 until the state is rebuilt
    expect(status('with redis POST /v1/cashflows')).toEqual([503, 400, 503]);
    const kafka = answers.find((a) => a.what === 'with redis POST /v1/cashflows' && a.text.includes('Kafka'));
    // the kind of failure in words (librdkafka's cause: the broker's name does not resolve), no address
    expect(kafka?.text).toMatch(/jobs need Kafka, which is unreachable \(kafka: (name or service not known|host name not resolved|broker transport failure)\): try again shortly/);
    expect(scan(answers)).toEqual([]);
  });
});
