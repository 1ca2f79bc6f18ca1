// Issue 6, done-when 5: two calculator processes (`cashflow run calculator`, child processes)
// in one consumer group split the partitions; SIGKILL of one of them mid-run loses nothing and
// duplicates nothing in the result tables. Every contract's rows equal a direct engine
// computation, seq runs 0..n-1 once per contract, and cashflow_versions agrees with the rows.
// The other processors run in this process. Unique database, topic prefix, consumer groups,
// connector, slot, publication and Redis prefix; all removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type Admin } from '../clients/kafka.js';
import { repoFile } from '../clients/repo-file.js';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { logTail } from '../stack/processes.js';
import { committedOffsets, pipelineQuiet, topicEnds } from '../demo/ops.js';
import { testEnv } from './env/index.js';
import { expectResultsEqualEngine } from './support/expected-results.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';

const CONTRACTS = Number(process.env.KILL_TEST_CONTRACTS ?? 3000);

let env: PipelineEnv;
let pool: pg.Pool;
let admin: Admin | undefined;
const children: ChildProcess[] = [];
const logDir = join(repoFile(), '.test-logs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The shared poller with this file's longer default wait (jobs and kills take minutes under load). */
const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 180_000, pollMs = 200): Promise<T> =>
  eventually(what, probe, timeoutMs, pollMs);

function startCalculator(n: number): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `kill-${env.run}-calculator-${n}.log`), 'a');
  const child = spawn(process.execPath, [repoFile('bin', 'cashflow.js'), 'run', 'calculator'], {
    cwd: repoFile(),
    env: {
      ...process.env,
      DATABASE_URL: env.config.database.url,
      CASHFLOW_TOPIC_PREFIX: env.topology.options.prefix,
      CASHFLOW_REDIS_PREFIX: env.redisPrefix,
      CASHFLOW_METRICS_PORT: '0',
    },
    stdio: ['ignore', log, log],
  });
  children.push(child);
  return child;
}

function logOf(n: number): string {
  return logTail(join(logDir, `kill-${env.run}-calculator-${n}.log`), 15);
}

beforeAll(async () => {
  await testEnv();
  env = new PipelineEnv('kill');
  await env.setUp();
  pool = new pg.Pool({ connectionString: env.config.database.url, max: 2 });
  admin = await createAdmin(env.config);
  // ingest, impact and sink in this process; the calculators are the children under test
  await env.startProcessors({ processors: ['contract-ingest', 'market-ingest', 'impact', 'sink'], metricsPort: null });
});

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await Promise.race([new Promise((r) => c.once('exit', r)), sleep(20_000).then(() => c.kill('SIGKILL'))]);
    }
  }
  await admin?.disconnect().catch(() => {});
  await pool?.end().catch(() => {});
  await env?.tearDown();
});

describe('two calculators in one group, one killed mid-run', () => {
  it('loses nothing and duplicates nothing in the result tables', async () => {
    const calculatorGroup = env.topology.processor('calculator').consumerGroup;
    const requests = env.topology.topic('recalcRequests').name;
    const a = startCalculator(1);
    const b = startCalculator(2);
    // Both members joined and each holds some of the partitions.
    await until(
      'two calculator members with partitions',
      async () => {
        const d = (await admin!.describeGroups([calculatorGroup])).groups[0];
        const owned = (d?.members ?? []).map((m) => (m.assignment?.topicPartitions ?? []).filter((tp) => tp.topic === requests).length);
        return owned.length === 2 && owned.every((n) => n > 0) && owned.reduce((x, y) => x + y, 0) === env.topology.topic('recalcRequests').partitions;
      },
      90_000,
      500,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\ncalculator 1:\n${logOf(1)}\ncalculator 2:\n${logOf(2)}`);
    });

    // The book: market data first (so nothing waits), then the contracts.
    const book = demoContracts(CONTRACTS);
    const market = demoMarketData(book);
    await env.db.upsertMarketData(market);
    for (let i = 0; i < book.length; i += 1000) await env.db.upsertContracts(book.slice(i, i + 1000).map((c) => c.row));
    const ids = book.map((c) => c.row.contractId);
    const counted = async () =>
      Number((await pool.query('SELECT count(*) AS n FROM cashflow_versions')).rows[0].n);

    // Kill calculator 1 while the book is being computed: a tenth of the results are in, not all.
    const atKill = await until('a tenth of the results', async () => {
      const n = await counted();
      return n >= ids.length / 10 ? n : undefined;
    }, 180_000, 20);
    a.kill('SIGKILL');
    await new Promise((r) => (a.exitCode !== null || a.signalCode !== null ? r(null) : a.once('exit', r)));
    expect(a.signalCode).toBe('SIGKILL');
    expect(atKill).toBeLessThan(ids.length); // it really died mid-run
    process.stderr.write(`kill test: calculator 1 killed with ${atKill} of ${ids.length} results committed\n`);

    // The survivor takes over the killed one's partitions and finishes the book.
    await until('every contract computed', async () => (await counted()) >= ids.length, 240_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message} (${await counted()} of ${ids.length})\ncalculator 2:\n${logOf(2)}`);
    });
    await until('the pipeline drained', async () => pipelineQuiet(admin!, env.topology), 120_000, 300);
    expect(b.exitCode).toBeNull(); // the survivor is still running
    const ends = await topicEnds(admin!, requests);
    const committed = await committedOffsets(admin!, calculatorGroup, requests);
    for (const [p, end] of ends) expect(committed.get(p), `partition ${p}`).toBe(end);

    // Result tables against a direct engine computation with the same market data.
    await expectResultsEqualEngine(pool, book.map((c) => c.row), market);
  });
});
