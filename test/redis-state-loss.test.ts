// Lost Redis state heals itself (state/readiness.ts, state/healing.ts). The processors' Redis is
// a private redis-server WITHOUT persistence (like this machine's), never the shared stack's:
//   1. a fresh environment gets its state marker at once (a rebuild of empty topics);
//   2. mid-run of a book the server is shut down and started again EMPTY: the processors notice
//      the missing marker, hold their batches, one of them rebuilds from the compacted topics,
//      and the run ends with every contract's rows equal to a direct engine computation,
//      nothing dead-lettered, no batch taken apart as poison, and the rebuild in the metrics
//      and the log;
//   3. a FLUSHALL of the idle pipeline, then a market data change: it must reach the contracts
//      that depend on the code, so the dependency index must have been rebuilt;
//   4. `cashflow state rebuild --clear` (the built CLI) next to the running processors: it
//      writes the marker at its end, the processors wait for it, and a later change still
//      reaches its dependents.
// The rest of the pipeline is the real one (test/support/private-redis-pipeline.ts).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { repoFile } from '../config/repo-file.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarketDataRow } from '../db/database.js';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { pipelineQuiet } from '../demo/ops.js';
import { parseMarker, READY_KEY } from '../state/readiness.js';
import { testEnv } from './env/index.js';
import { expectResultsEqualEngine } from './support/expected-results.js';
import { eventually } from './support/pipeline-env.js';
import { PrivateRedis } from './support/private-redis.js';
import { RedisFaultPipeline } from './support/private-redis-pipeline.js';
import { expectPipelineSettled, retriesSoFar } from './support/settled.js';

const CONTRACTS = Number(process.env.REDIS_STATE_LOSS_TEST_CONTRACTS ?? 3000);
const DOWN_MS = 2000;

const redis = new PrivateRedis({ persistence: false });
const fault = new RedisFaultPipeline(redis, 'statelost', 'redis-state-loss');
const demo = demoContracts(CONTRACTS);
const book = demo.map((c) => c.row);
const market: MarketDataRow[] = demoMarketData(demo);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rebuilds(outcome: string): Promise<number> {
  return (await fault.pipeline.metrics.stateRebuilds.get()).values.filter((v) => v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0);
}

async function stateReadyGauge(): Promise<number | undefined> {
  return (await fault.pipeline.metrics.stateReady.get()).values[0]?.value;
}

function logLines(pattern: RegExp): string[] {
  return readFileSync(fault.log.file, 'utf8').split('\n').filter((l) => pattern.test(l));
}

const counted = async () => Number((await fault.pool.query('SELECT count(*) AS n FROM cashflow_versions')).rows[0].n);

async function drained(what: string): Promise<void> {
  await eventually(`the pipeline drained (${what})`, async () => pipelineQuiet(fault.admin, fault.env.topology), 180_000, 300).catch((e) => {
    throw new Error(`${(e as Error).message}; log ${fault.log.file}`);
  });
}

beforeAll(async () => {
  await testEnv();
  await fault.start();
});

afterAll(async () => fault.stop());

describe('Redis losing its data', () => {
  it('a fresh environment (empty topics, empty Redis) gets its state marker within seconds', async () => {
    const started = Date.now();
    const marker = await eventually('the state marker', async () => parseMarker(await redis.get(`${fault.env.redisPrefix}${READY_KEY}`)), 30_000, 50);
    process.stderr.write(`redis state loss test: marker of the fresh environment ${JSON.stringify(marker)} (${Date.now() - started} ms after start returned)\n`);
    expect(marker.records).toBe(0); // empty topics: nothing to read, no long rebuild
    expect(marker.durationMs).toBeLessThan(10_000);
    expect(await rebuilds('completed')).toBe(1);
    expect(await stateReadyGauge()).toBe(1);
  });

  it('restarted empty mid-run: the processors hold their batches, rebuild once, and every result equals the engine', async () => {
    const started = Date.now();
    await fault.env.db.upsertMarketData(market);
    for (let i = 0; i < book.length; i += 1000) await fault.env.db.upsertContracts(book.slice(i, i + 1000));

    const atShutdown = await eventually('a tenth of the results', async () => {
      const n = await counted();
      return n >= book.length / 10 ? n : undefined;
    }, 180_000, 20);
    const rebuildsBefore = await rebuilds('completed');
    const retriesBefore = await retriesSoFar(fault.pipeline);
    const keysBefore = await redis.keyCount();
    await redis.shutdown();
    await sleep(DOWN_MS);
    await redis.start();
    const keysAfter = await redis.keyCount();
    process.stderr.write(
      `redis state loss test: redis restarted without persistence with ${atShutdown} of ${book.length} results committed; keys ${keysBefore} before, ${keysAfter} right after\n`,
    );
    expect(atShutdown).toBeLessThan(book.length); // it really went down mid-run
    expect(keysAfter).toBeLessThan(keysBefore / 2); // it really came back (nearly) empty

    await eventually('every contract computed', async () => (await counted()) >= book.length, 300_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message} (${await counted()} of ${book.length}); log ${fault.log.file}`);
    });
    await drained('after the restart');
    await expectPipelineSettled(fault.admin, fault.env.topology, fault.pipeline);

    // the loss was seen and healed by a rebuild, in the metrics and in the log
    expect(await rebuilds('completed')).toBeGreaterThan(rebuildsBefore);
    expect(await rebuilds('failed')).toBe(0);
    expect(await stateReadyGauge()).toBe(1);
    expect(logLines(/"message":"state rebuild finished: state ready"/).length).toBeGreaterThanOrEqual(2);
    // Who notices first depends on timing: a batch that meets the missing marker (held until
    // the heal), or the healer's watch of the marker when the batches are still backing off from
    // Redis being down. Either way a rebuild started from the missing marker, after the one at
    // start; no batch read the empty store (its reads check the marker, state/readiness.ts),
    // which the comparison with the engine below shows.
    const held = logLines(/"message":"state lost: batch held until the state is rebuilt"/);
    expect(logLines(/"message":"state marker missing: Redis lost its data/).length).toBeGreaterThanOrEqual(2);
    const marker = parseMarker(await redis.get(`${fault.env.redisPrefix}${READY_KEY}`));
    expect(marker?.records).toBeGreaterThan(0); // this rebuild read the compacted topics
    // a fault, not poison: no batch was taken apart, nothing dead-lettered (expectPipelineSettled)
    expect(logLines(/"message":"(batch failed, retrying record by record|poison input)"/)).toEqual([]);
    process.stderr.write(
      `redis state loss test: ${held.length} batches held, ${(await retriesSoFar(fault.pipeline)) - retriesBefore} retries, marker ${JSON.stringify(marker)}\n`,
    );

    const { rows } = await expectResultsEqualEngine(fault.pool, book, market);
    process.stderr.write(`redis state loss test: ${book.length} contracts, ${rows} rows checked, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });

  it('after a FLUSHALL, a market data change reaches the contracts that depend on it (the dependency index is rebuilt)', async () => {
    const rebuildsBefore = await rebuilds('completed');
    await redis.flushAll();
    expect(await redis.keyCount()).toBe(0);

    const code = 'USD.SOFR';
    const dependents = book.filter((c) => c.terms.includes(`"${code}"`)).map((c) => c.contractId);
    expect(dependents.length).toBeGreaterThan(0);
    const versionsOf = async () =>
      new Map((await fault.pool.query<{ contract_id: string; version: string }>('SELECT contract_id, version FROM cashflow_versions WHERE contract_id = ANY($1::text[])', [dependents])).rows.map((r) => [r.contract_id, BigInt(r.version)]));
    const before = await versionsOf();
    // a new rate well away from the series: every dependent resetting after it gets a new schedule
    const tick: MarketDataRow = { marketObjectCode: code, observedAt: '2026-12-01T00:00:00', value: 0.0875 };
    await fault.env.db.upsertMarketData([tick]);
    const moved = [...market, tick];

    // the change went through once one dependent has a newer result; then the rest drains
    await eventually('a dependent of the code recomputed', async () => {
      const now = await versionsOf();
      return dependents.some((id) => (now.get(id) ?? 0n) > (before.get(id) ?? 0n));
    }, 240_000, 200).catch((e) => {
      throw new Error(`${(e as Error).message}; log ${fault.log.file}`);
    });
    await drained('after the flush');
    await expectPipelineSettled(fault.admin, fault.env.topology, fault.pipeline);
    await expectResultsEqualEngine(fault.pool, book, moved);
    const after = await versionsOf();
    const changed = dependents.filter((id) => (after.get(id) ?? 0n) > (before.get(id) ?? 0n));
    process.stderr.write(`redis state loss test: after FLUSHALL, ${changed.length} of ${dependents.length} contracts on ${code} got new results\n`);
    expect(changed.length).toBeGreaterThan(0); // the change reached its dependents through the rebuilt index
    expect(await rebuilds('completed')).toBeGreaterThan(rebuildsBefore);
  });

  it('`cashflow state rebuild --clear` next to the running processors writes the marker at its end, and changes still flow', async () => {
    const rebuildsBefore = await rebuilds('completed');
    const { stdout } = await promisify(execFile)(process.execPath, [repoFile('bin', 'cashflow.js'), 'state', 'rebuild', '--clear'], {
      cwd: repoFile(),
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        DATABASE_URL: fault.env.config.database.url,
        CASHFLOW_TOPIC_PREFIX: fault.env.topology.options.prefix,
        CASHFLOW_REDIS_PREFIX: fault.env.redisPrefix,
      },
      timeout: 180_000,
    });
    process.stderr.write(`redis state loss test: cli: ${stdout.trim()}\n`);
    expect(stdout).toMatch(/^state rebuilt in .* from \d+ records: \d+ contract terms, .* \(\d+ keys cleared first\)/m);
    const marker = parseMarker(await redis.get(`${fault.env.redisPrefix}${READY_KEY}`));
    expect(marker?.by).toMatch(/:cli$/); // the CLI completed the state, not a processor
    expect(await rebuilds('completed')).toBe(rebuildsBefore); // the processors did not rebuild too

    const code = 'USD.TERM3M';
    const dependents = book.filter((c) => c.terms.includes(`"${code}"`)).map((c) => c.contractId);
    expect(dependents.length).toBeGreaterThan(0);
    const versionsOf = async () =>
      new Map((await fault.pool.query<{ contract_id: string; version: string }>('SELECT contract_id, version FROM cashflow_versions WHERE contract_id = ANY($1::text[])', [dependents])).rows.map((r) => [r.contract_id, BigInt(r.version)]));
    const before = await versionsOf();
    await fault.env.db.upsertMarketData([{ marketObjectCode: code, observedAt: '2026-12-01T00:00:00', value: 0.0125 }]);
    await eventually('a dependent of the code recomputed', async () => {
      const now = await versionsOf();
      return dependents.some((id) => (now.get(id) ?? 0n) > (before.get(id) ?? 0n));
    }, 240_000, 200).catch((e) => {
      throw new Error(`${(e as Error).message}; log ${fault.log.file}`);
    });
    await drained('after the cli rebuild');
    await expectPipelineSettled(fault.admin, fault.env.topology, fault.pipeline);
  });
});
