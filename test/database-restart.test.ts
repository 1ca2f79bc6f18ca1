// Invariants 2, 3, 5 and 6 (docs/architecture.md) on a database restart: the result tables live on a PostgreSQL
// server of this test's own (test/support/private-postgres.ts: the machine's initdb and pg_ctl,
// a temp folder, a free port; the shared server is never restarted). The whole pipeline
// (contract-ingest, market-ingest, impact, calculator, sink, in this process) runs on the shared
// broker under a topic prefix; the CDC topics are fed as Debezium writes them
// (test/support/cdc-feed.ts), so the restart is seen by the sink alone, as in production where
// the source connector has retries of its own. While a book of a few thousand contracts is
// written the server is stopped, stays down a few seconds and starts again on the same data:
//   1. fast shutdown (sessions get 57P01) while the book's first results are written;
//   2. immediate shutdown (a crash: sessions just lose their socket, then crash recovery) while
//      every contract's terms change.
// Found by it (db/postgres/errors.ts isTransientPgError, db/postgres/connection.ts
// survivingLostConnection): node-postgres emits a lost connection as 'error' on the checked-out
// client, which ends a process that does not listen (vitest reported 6 such unhandled errors in
// one run), and reports it to the query without a SQLSTATE, which the runner took for poison:
// the sink's batches were taken apart record by record, and only the luck of meeting
// ECONNREFUSED next kept results from the dead letter topic.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, createProducer, type Admin, type Producer } from '../clients/kafka.js';
import type { RunningPipeline } from '../processors/pipeline.js';
import { testEnv } from './env/index.js';
import { feedMarketData } from './support/cdc-feed.js';
import { Cleanup } from './support/cleanup.js';
import { PipelineEnv } from './support/pipeline-env.js';
import { postgresBinDir, PrivatePostgres, type StopMode } from './support/private-postgres.js';
import { faultBooks, restartMidRun, type Fault, type MidRunPipeline } from './support/restart-mid-run.js';
import { TestLog } from './support/test-log.js';

const CONTRACTS = Number(process.env.DATABASE_RESTART_TEST_CONTRACTS ?? 3000);
/** How long the server stays down: several backoff rounds of the sink. */
const DOWN_MS = 4000;
/** Commit positions of the second run's changes start here (above every position of the first). */
const SECOND_LSN = 10_000_000;

const bin = postgresBinDir();
const server = bin ? new PrivatePostgres(bin) : undefined;
let env: PipelineEnv | undefined;
let admin: Admin | undefined;
let producer: Producer | undefined;
let pool: pg.Pool | undefined;
let pipeline: RunningPipeline | undefined;
let log: TestLog;

const { market, firstBook, secondBook } = faultBooks(CONTRACTS);

beforeAll(async () => {
  if (!server) return;
  await testEnv();
  await server.start();
  env = new PipelineEnv('dbrestart', { server: server.url(), connector: false });
  log = new TestLog(`database-restart-${env.run}`);
  await env.setUp();
  pool = new pg.Pool({ connectionString: env.config.database.url, max: 2 });
  pool.on('error', () => {}); // its idle clients lose the server on purpose
  admin = await createAdmin(env.config);
  producer = await createProducer(env.config, { clientId: 'database-restart-test' });
  pipeline = await env.startProcessors({
    processors: ['contract-ingest', 'market-ingest', 'impact', 'calculator', 'sink'],
    log: log.log,
  });
  await feedMarketData(producer, admin, env.topology, market, 1);
});

afterAll(async () => {
  if (!server) return;
  const cleanup = new Cleanup();
  const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
  await attempt('producer', async () => producer?.disconnect());
  await attempt('admin', async () => admin?.disconnect());
  await attempt('database pool', async () => pool?.end());
  await server.tearDownWith(cleanup, env);
  cleanup.done();
});

/** Stops the private server in `mode` mid-run and starts it again on the same data. */
function databaseRestart(mode: StopMode): Fault {
  return {
    label: `database restart test (${mode})`,
    stop: async () => {
      const t0 = Date.now();
      await server!.stop(mode);
      return `stopped in ${Date.now() - t0} ms`;
    },
    start: () => server!.start(),
    downMs: DOWN_MS,
    logTail: () => `postgres:\n${server!.logTail()}`,
  };
}

const running = (): MidRunPipeline => ({ admin: admin!, topology: env!.topology, pipeline: pipeline!, producer: producer!, pool: pool!, market, logFile: log.file });

describe.skipIf(!server)('the database restarted while results are written (private PostgreSQL)', () => {
  it('fast shutdown during the first computation: loses nothing, duplicates nothing, dead-letters nothing', async () => {
    const { retries } = await restartMidRun(running(), firstBook, market.length + 1, databaseRestart('fast'));
    expect(retries).toBeGreaterThan(0); // the sink met the fault and retried
  });

  it('immediate shutdown (a crash) during a recompute of every contract: loses nothing, duplicates nothing, dead-letters nothing', async () => {
    const { retries } = await restartMidRun(running(), secondBook, SECOND_LSN, databaseRestart('immediate'));
    expect(retries).toBeGreaterThan(0);
  });
});
