// For each process that holds a result on its way: two processes of one
// processor (`cashflow run <processor>`, child processes) in one consumer group split the
// partitions; SIGKILL of one of them mid-run loses nothing and duplicates nothing in the result
// tables. Every contract's rows equal a direct engine computation, seq runs 0..n-1 once per
// contract, and cashflow_versions agrees with the rows. Killed: a calculator (between computing
// and publishing), and a sink while it writes (up to 3 transactions open at a time: PostgreSQL
// rolls back what the dead session had written, and the survivor writes it again once the group
// gives it the partitions, after the dead member's session timeout). The other
// processors run in this process. Unique database, topic prefix, consumer groups, connector,
// slot, publication and Redis prefix per case; all removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type Admin } from '../clients/kafka.js';
import { repoFile } from '../config/repo-file.js';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { logTail } from '../stack/processes.js';
import { committedOffsets, pipelineQuiet, topicEnds } from '../demo/ops.js';
import type { ProcessorName } from '../topology/topology.js';
import { testEnv } from './env/index.js';
import { expectResultsEqualEngine } from './support/expected-results.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';

const CONTRACTS = Number(process.env.KILL_TEST_CONTRACTS ?? 3000);

const logDir = join(repoFile(), '.test-logs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The shared poller with this file's longer default wait (jobs and kills take minutes under load). */
const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 180_000, pollMs = 200): Promise<T> =>
  eventually(what, probe, timeoutMs, pollMs);

type Victim = 'calculator' | 'sink';
const ALL: ProcessorName[] = ['contract-ingest', 'market-ingest', 'impact', 'calculator', 'sink'];

function killMidRun(victim: Victim): void {
  let env: PipelineEnv;
  let pool: pg.Pool;
  let admin: Admin | undefined;
  const children: ChildProcess[] = [];
  const logOf = (n: number) => join(logDir, `kill-${env.run}-${victim}-${n}.log`);

  function startChild(n: number): ChildProcess {
    mkdirSync(logDir, { recursive: true });
    const log = openSync(logOf(n), 'a');
    const child = spawn(process.execPath, [repoFile('bin', 'cashflow.js'), 'run', victim], {
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

  beforeAll(async () => {
    await testEnv();
    env = new PipelineEnv(`kill${victim}`);
    await env.setUp();
    pool = new pg.Pool({ connectionString: env.config.database.url, max: 2 });
    admin = await createAdmin(env.config);
    // every other processor in this process; the two victims are the children under test
    await env.startProcessors({ processors: ALL.filter((p) => p !== victim), metricsPort: null });
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

  it('loses nothing and duplicates nothing in the result tables', async () => {
    const group = env.topology.processor(victim).consumerGroup;
    const input = env.topology.topic(victim === 'calculator' ? 'recalcRequests' : 'contractCashflows');
    const a = startChild(1);
    const b = startChild(2);
    // Both members joined and each holds some of the partitions.
    await until(
      `two ${victim} members with partitions`,
      async () => {
        const d = (await admin!.describeGroups([group])).groups[0];
        const owned = (d?.members ?? []).map((m) => (m.assignment?.topicPartitions ?? []).filter((tp) => tp.topic === input.name).length);
        return owned.length === 2 && owned.every((n) => n > 0) && owned.reduce((x, y) => x + y, 0) === input.partitions;
      },
      90_000,
      500,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${victim} 1:\n${logTail(logOf(1), 15)}\n${victim} 2:\n${logTail(logOf(2), 15)}`);
    });

    // The book: market data first (so nothing waits), then the contracts.
    const book = demoContracts(CONTRACTS);
    const market = demoMarketData(book);
    await env.db.upsertMarketData(market);
    for (let i = 0; i < book.length; i += 1000) await env.db.upsertContracts(book.slice(i, i + 1000).map((c) => c.row));
    const ids = book.map((c) => c.row.contractId);
    const counted = async () => Number((await pool.query('SELECT count(*) AS n FROM cashflow_versions')).rows[0].n);

    // Kill the first while the book is being computed: a tenth of the results are in, not all.
    const atKill = await until('a tenth of the results', async () => {
      const n = await counted();
      return n >= ids.length / 10 ? n : undefined;
    }, 180_000, 20);
    a.kill('SIGKILL');
    await new Promise((r) => (a.exitCode !== null || a.signalCode !== null ? r(null) : a.once('exit', r)));
    expect(a.signalCode).toBe('SIGKILL');
    expect(atKill).toBeLessThan(ids.length); // it really died mid-run
    process.stderr.write(`kill test: ${victim} 1 killed with ${atKill} of ${ids.length} results committed\n`);

    // The survivor takes over the killed one's partitions and finishes the book.
    await until('every contract computed', async () => (await counted()) >= ids.length, 240_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message} (${await counted()} of ${ids.length})\n${victim} 2:\n${logTail(logOf(2), 15)}`);
    });
    await until('the pipeline drained', async () => pipelineQuiet(admin!, env.topology), 120_000, 300);
    expect(b.exitCode).toBeNull(); // the survivor is still running
    const ends = await topicEnds(admin!, input.name);
    const committed = await committedOffsets(admin!, group, input.name);
    for (const [p, end] of ends) expect(committed.get(p), `partition ${p}`).toBe(end);

    // Nothing dead-lettered: a killed process is a fault, never poison.
    const deadLetters = [...(await topicEnds(admin!, env.topology.topic('deadLetter').name)).values()].reduce((n, end) => n + end, 0n);
    expect(deadLetters).toBe(0n);

    // Result tables against the calculator's computation from the same book: every stored field.
    await expectResultsEqualEngine(pool, book.map((c) => c.row), market);
  });
}

describe('two calculators in one group, one killed mid-run', () => killMidRun('calculator'));
describe('two sinks in one group, one killed while writing', () => killMidRun('sink'));
