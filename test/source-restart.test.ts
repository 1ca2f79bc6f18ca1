// The source database restarted under a running Debezium connector: the database (sources and
// results, as in production) lives on a PostgreSQL server of this test's own with
// wal_level=logical (test/support/private-postgres.ts), captured by a connector on the shared
// Kafka Connect. Half a book is committed and computed; the server is stopped (fast shutdown),
// stays down a few seconds and starts again; then the other half is committed. The connector
// must resume from its slot by itself and the pipeline must take the second half through:
// every contract's rows equal a direct engine computation, each seq once, nothing dead-lettered,
// every group committed to the end of its inputs.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectClient } from '../clients/connect.js';
import { createAdmin, type Admin } from '../clients/kafka.js';
import { pipelineQuiet } from '../demo/ops.js';
import type { RunningPipeline } from '../processors/pipeline.js';
import { testEnv } from './env/index.js';
import { Cleanup } from './support/cleanup.js';
import { expectResultsEqualEngine } from './support/expected-results.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';
import { postgresBinDir, PrivatePostgres } from './support/private-postgres.js';
import { faultBooks } from './support/restart-mid-run.js';
import { expectPipelineSettled, laggingPartitions } from './support/settled.js';
import { TestLog } from './support/test-log.js';

const CONTRACTS = Number(process.env.SOURCE_RESTART_TEST_CONTRACTS ?? 2000);
const DOWN_MS = 4000;

const bin = postgresBinDir();
const server = bin ? new PrivatePostgres(bin, { logical: true }) : undefined;
let env: PipelineEnv | undefined;
let admin: Admin | undefined;
let pool: pg.Pool | undefined;
let pipeline: RunningPipeline | undefined;
let log: TestLog;

const { market, firstBook } = faultBooks(CONTRACTS);
const half = Math.floor(firstBook.length / 2);

beforeAll(async () => {
  if (!server) return;
  await testEnv();
  await server.start();
  env = new PipelineEnv('srcrestart', { server: server.url() });
  log = new TestLog(`source-restart-${env.run}`);
  await env.setUp(); // database, topics, schemas and the connector on the private server
  pool = new pg.Pool({ connectionString: env.config.database.url, max: 2 });
  pool.on('error', () => {}); // its idle clients lose the server on purpose
  admin = await createAdmin(env.config);
  pipeline = await env.startProcessors({
    processors: ['contract-ingest', 'market-ingest', 'impact', 'calculator', 'sink'],
    log: log.log,
  });
});

afterAll(async () => {
  if (!server) return;
  const cleanup = new Cleanup();
  const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
  await attempt('admin', async () => admin?.disconnect());
  await attempt('database pool', async () => pool?.end());
  await server.tearDownWith(cleanup, env);
  cleanup.done();
});

describe.skipIf(!server)('the source database restarted under its Debezium connector (private PostgreSQL)', () => {
  it('the connector resumes by itself and every change after the restart is computed', async () => {
    const e = env!;
    const counted = async () => Number((await pool!.query('SELECT count(*) AS n FROM cashflow_versions')).rows[0].n);
    await e.db.upsertMarketData(market);
    await e.db.upsertContracts(firstBook.slice(0, half));
    await eventually('the first half computed', async () => (await counted()) >= half, 180_000, 200);

    await server!.stop('fast');
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await server!.start();
    const restartedAt = Date.now();
    // committed once the server takes writes again (the pool's first tries may meet it starting up)
    await eventually('the second half committed', async () => {
      await e.db.upsertContracts(firstBook.slice(half));
      return true;
    }, 60_000, 500);

    await eventually('every contract computed', async () => (await counted()) >= firstBook.length, 240_000, 500).catch(async (err) => {
      const status = await createConnectClient(e.config).status(e.connector.name).catch((x: Error) => x.message);
      throw new Error(`${(err as Error).message} (${await counted()} of ${firstBook.length}); connector: ${JSON.stringify(status)}; log ${log.file}\n${server!.logTail()}`);
    });
    const resumedMs = Date.now() - restartedAt;
    process.stderr.write(`source restart test: ${firstBook.length - half} contracts committed after the restart, all computed ${resumedMs} ms after it\n`);
    await eventually('the pipeline drained', async () => pipelineQuiet(admin!, e.topology), 120_000, 300).catch(async (err) => {
      throw new Error(`${(err as Error).message}; behind: ${(await laggingPartitions(admin!, e.topology, pipeline!)).join(', ')}`);
    });
    await expectPipelineSettled(admin!, e.topology, pipeline!);
    const { rows } = await expectResultsEqualEngine(pool!, firstBook, market);
    expect(rows).toBeGreaterThan(0);
  });
});
