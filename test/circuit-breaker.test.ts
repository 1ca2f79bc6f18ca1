// Issue 16 item 4 against a real service: the processors' Redis (a private redis-server, never
// the shared stack's) is shut down while a book is computed. The Redis breaker opens (the
// metric and /readyz say so), the batches are held and retried, nothing is dead-lettered; once
// Redis is back on the same port and folder, the breaker closes after its half-open try, /readyz
// is ready again and every contract's rows equal a direct engine computation. The rest is the
// real pipeline of test/support/pipeline-env.ts (own database, connector, prefixed topics).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { pipelineQuiet } from '../demo/ops.js';
import { testEnv } from './env/index.js';
import { expectResultsEqualEngine } from './support/expected-results.js';
import { eventually } from './support/pipeline-env.js';
import { PrivateRedis } from './support/private-redis.js';
import { RedisFaultPipeline } from './support/private-redis-pipeline.js';
import { expectPipelineSettled } from './support/settled.js';

const CONTRACTS = Number(process.env.BREAKER_TEST_CONTRACTS ?? 1500);
const HALF_OPEN_MS = 1000;

const redis = new PrivateRedis();
const fault = new RedisFaultPipeline(redis, 'breaker', 'circuit-breaker');

/** The value of `cashflow_circuit_breaker_state{breaker, state}` on the processors' /metrics. */
async function breakerMetric(breaker: string, state: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${fault.pipeline.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`cashflow_circuit_breaker_state{breaker="${breaker}",state="${state}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

async function readyz(): Promise<{ status: number; body: { breakers: Record<string, string>; dependencies: Record<string, { status: string; breaker?: string }> } }> {
  const r = await fetch(`http://127.0.0.1:${fault.pipeline.port}/readyz`);
  return { status: r.status, body: (await r.json()) as never };
}

beforeAll(async () => {
  await testEnv();
  // read lazily by the configuration when the processors start (config/config.ts)
  process.env.CASHFLOW_BREAKER_FAILURES = '3';
  process.env.CASHFLOW_BREAKER_HALF_OPEN_MS = String(HALF_OPEN_MS);
  await fault.start();
});

afterAll(async () => {
  await fault.stop();
  delete process.env.CASHFLOW_BREAKER_FAILURES;
  delete process.env.CASHFLOW_BREAKER_HALF_OPEN_MS;
});

describe('the Redis circuit breaker', () => {
  it('opens while Redis is down, holds the batches without dead-lettering, and closes when it is back', async () => {
    const { env, pool, admin, pipeline, log } = fault;
    const demo = demoContracts(CONTRACTS);
    const book = demo.map((c) => c.row);
    const market = demoMarketData(demo);
    expect(await breakerMetric('redis', 'closed')).toBe(1);

    await env.db.upsertMarketData(market);
    for (let i = 0; i < book.length; i += 500) await env.db.upsertContracts(book.slice(i, i + 500));
    const counted = async () => Number((await pool.query('SELECT count(*) AS n FROM cashflow_versions')).rows[0].n);
    await eventually('the first results', async () => ((await counted()) > 0 ? true : undefined), 180_000, 20);

    await redis.shutdown();
    // the upserts above go on flowing in through CDC: the runners meet Redis down
    await eventually('the Redis breaker open', async () => ((await breakerMetric('redis', 'open')) === 1 ? true : undefined), 60_000, 100);
    const whileOpen = await readyz();
    expect(whileOpen.status).toBe(503);
    expect(whileOpen.body.breakers.redis).toBe('open');
    expect(whileOpen.body.dependencies.redis).toMatchObject({ status: 'unreachable', breaker: 'open' });
    const opens = (await pipeline.metrics.breakerOpens.get()).values.find((v) => v.labels.breaker === 'redis')?.value;
    expect(opens).toBeGreaterThanOrEqual(1);
    // held, not skipped: several half-open periods pass without a dead letter
    await new Promise((r) => setTimeout(r, 3 * HALF_OPEN_MS));
    expect((await pipeline.metrics.deadLetters.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
    const atRestart = await counted();

    await redis.start();
    await eventually('the Redis breaker closed', async () => ((await breakerMetric('redis', 'closed')) === 1 ? true : undefined), 60_000, 100);
    await eventually('every contract computed', async () => ((await counted()) >= book.length ? true : undefined), 240_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message} (${await counted()} of ${book.length}); log ${log.file}`);
    });
    await eventually('the pipeline drained', async () => pipelineQuiet(admin, env.topology), 120_000, 300);
    process.stderr.write(`circuit breaker test: ${atRestart} of ${book.length} results committed while the breaker was open; ${opens} opening(s)\n`);

    // every group at its inputs' ends, ready (no breaker open), nothing dead-lettered
    await expectPipelineSettled(admin, env.topology, pipeline);
    const after = await readyz();
    expect(after.body.breakers.redis).toBe('closed');
    await expectResultsEqualEngine(pool, book, market);
  });
});
