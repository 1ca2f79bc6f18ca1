// Invariants 5 and 6 (docs/architecture.md) on a Redis restart: the processors' Redis (a private redis-server
// with its append-only file on, never the shared stack's) is shut down while a book of a few
// thousand contracts is being computed, stays down a few seconds and comes back on the same
// port and folder. The processors retry with backoff meanwhile (blocking their partitions),
// and afterwards every contract's rows equal a direct engine computation, each seq once,
// cashflow_versions agrees, nothing went to the dead letter topic, and the processors are still
// running and ready. The rest of the pipeline is the real one: our own database, Debezium
// connector, prefixed topics on the shared broker (test/support/pipeline-env.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { pipelineQuiet } from '../demo/ops.js';
import { testEnv } from './env/index.js';
import { expectResultsEqualEngine } from './support/expected-results.js';
import { eventually } from './support/pipeline-env.js';
import { PrivateRedis } from './support/private-redis.js';
import { RedisFaultPipeline } from './support/private-redis-pipeline.js';
import { expectPipelineSettled, retriesSoFar } from './support/settled.js';

const CONTRACTS = Number(process.env.REDIS_RESTART_TEST_CONTRACTS ?? 3000);
/** How long Redis stays down: several backoff rounds of every processor. */
const DOWN_MS = 4000;

const redis = new PrivateRedis();
const fault = new RedisFaultPipeline(redis, 'redisrestart', 'redis-restart');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await testEnv();
  await fault.start();
});

afterAll(async () => fault.stop());

describe('Redis restarted while a book is computed', () => {
  it('loses nothing, duplicates nothing, dead-letters nothing, and the processors stay up', async () => {
    const { env, pool, admin, pipeline, log } = fault;
    const started = Date.now();
    const demo = demoContracts(CONTRACTS);
    const book = demo.map((c) => c.row);
    const market = demoMarketData(demo);
    await env.db.upsertMarketData(market);
    for (let i = 0; i < book.length; i += 1000) await env.db.upsertContracts(book.slice(i, i + 1000));
    const counted = async () => Number((await pool.query('SELECT count(*) AS n FROM cashflow_versions')).rows[0].n);

    // Mid-run: a tenth of the results are in, not all.
    const atShutdown = await eventually('a tenth of the results', async () => {
      const n = await counted();
      return n >= book.length / 10 ? n : undefined;
    }, 180_000, 20);
    const retriesBefore = await retriesSoFar(pipeline);
    const keysBefore = await redis.keyCount();
    await redis.shutdown();
    const downAt = Date.now();
    await sleep(DOWN_MS);
    const retriesWhileDown = (await retriesSoFar(pipeline)) - retriesBefore;
    const atRestart = await counted();
    await redis.start();
    const keysAfter = await redis.keyCount();
    process.stderr.write(
      `redis restart test: redis down ${Date.now() - downAt} ms with ${atShutdown} of ${book.length} results committed (${atRestart} at restart), ` +
        `${retriesWhileDown} retries while down, keys ${keysBefore} before / ${keysAfter} after the restart\n`,
    );
    expect(atShutdown).toBeLessThan(book.length); // it really went down mid-run
    expect(keysAfter).toBeGreaterThanOrEqual(keysBefore); // the append-only file kept the state
    expect(retriesWhileDown).toBeGreaterThan(0); // the processors met the fault and retried

    await eventually('every contract computed', async () => (await counted()) >= book.length, 240_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message} (${await counted()} of ${book.length}); log ${log.file}`);
    });
    await eventually('the pipeline drained', async () => pipelineQuiet(admin, env.topology), 120_000, 300);

    // Every group committed to its inputs' ends, still running and ready (the readiness probe
    // asks Redis too), nothing dead-lettered: the book has no poison, and a Redis fault is
    // retried, never skipped.
    await expectPipelineSettled(admin, env.topology, pipeline);

    const { rows } = await expectResultsEqualEngine(pool, book, market);
    process.stderr.write(`redis restart test: ${book.length} contracts, ${rows} rows checked, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
});
