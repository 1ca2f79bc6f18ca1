// The environment of one `cashflow bench pipeline` run (bench/pipeline.ts): a database, topic
// prefix, consumer groups, Redis prefix, connector, slot and publication of its own, set up at
// the start and removed at the end unless --keep; what the steps share (clients, the processes'
// peak RSS, Ctrl-C).
import { randomBytes } from 'node:crypto';
import { createConnectClient, type ConnectClient } from '../clients/connect.js';
import { openSql, type SqlSession } from '../db/open.js';
import { createAdmin, deleteConsumerGroups, deleteTopics, type Admin } from '../clients/kafka.js';
import { connectRedis } from '../clients/redis.js';
import { deleteSubject } from '../clients/schema-registry.js';
import { loadConfig, type Config } from '../config/config.js';
import { dropDatabase, dropReplicationSlot, PostgresDatabase } from '../db/postgres/index.js';
import { stopAllBars } from '../demo/ops.js';
import { processorProcesses, stopProcessors, type ProcessorProcess } from '../platform/processes.js';
import { ownedPid } from '../stack/processes.js';
import { clearState } from '../state/redis-store.js';
import { topologyFromConfig, type Topology } from '../topology/topology.js';
import { peakRssKb } from './process-stats.js';

export interface PipelineBenchEnv {
  run: string;
  dbName: string;
  prefix: string;
  redisPrefix: string;
  slot: string;
  connectorName: string;
  config: Config;
  topology: Topology;
  db: PostgresDatabase;
  admin: Admin;
  connect: ConnectClient;
  sql: SqlSession;
  /** Schema subjects registered for the run's topics (deleted at the end). */
  subjects: string[];
  basePort: number;
  calculators: number;
  /** Peak RSS (MB) of each process so far, by processor (and `bench`, this process). */
  rss: Record<string, number>;
  /** Throws once Ctrl-C or SIGTERM came: the run ends through closeBenchEnv. */
  checkInterrupted(): void;
  /** The processor processes of the run, as `cashflow start` runs them. */
  processes(): Promise<ProcessorProcess[]>;
  /** Reads every running processor's peak RSS into `rss`. */
  sampleRss(): Promise<void>;
  /** Ends the signal handlers of the run. */
  release(): void;
}

/** Peak RSS in MB (one decimal), NaN when not readable. */
function peakRssMb(pid: number): number {
  const kb = peakRssKb(pid);
  return kb === undefined ? NaN : Math.round(kb / 102.4) / 10;
}

/**
 * Names the run's environment, points the process's environment at it (everything below, and
 * the child processes, read it through loadConfig()), and opens the database, Kafka admin and
 * Connect clients; the database is migrated, its publication named after the run.
 */
export async function openBenchEnv(o: { calculators: number; basePort?: number }): Promise<PipelineBenchEnv> {
  const run = randomBytes(3).toString('hex');
  const dbName = `cashflow_bench_${run}`;
  const prefix = `bench${run}.`;
  const redisPrefix = `cashflow-bench-${run}:`;
  const slot = `cashflow_bench_${run}`;
  const connectorName = `cashflow-bench-${run}`;
  // the configured server (DATABASE_URL or DATABASE_URL_FILE), with a database of the run's own
  const baseUrl = new URL(loadConfig(process.env, ['database']).database.url);
  baseUrl.pathname = `/${dbName}`;
  process.env.DATABASE_DIALECT = 'postgres';
  process.env.DATABASE_URL = baseUrl.toString();
  process.env.CASHFLOW_TOPIC_PREFIX = prefix;
  process.env.CASHFLOW_REDIS_PREFIX = redisPrefix;

  const config: Config = loadConfig();
  const topology = topologyFromConfig(config);
  const db = new PostgresDatabase(config.database.url, { max: 4 });
  const admin = await createAdmin(config, 'cashflow-bench');
  const connect = createConnectClient(config);
  const sql = await (async () => {
    await db.migrate({ publication: slot });
    const session = await openSql(config);
    // the bench polls 1,000 ids every 20 ms: without statistics (autovacuum is off here) that
    // would be a scan of cashflow_versions each time, load the pipeline does not cause
    await session.q('SET jit = off', []);
    await session.q('SET enable_seqscan = off', []);
    return session;
  })();
  // Ctrl-C or SIGTERM ends the run through the cleanup below (a leftover slot keeps WAL forever)
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => void (interrupted = signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const basePort = o.basePort ?? 9500;
  const rss: Record<string, number> = {};
  const processes = async () => processorProcesses(config, { calculators: o.calculators, basePort });
  return {
    run,
    dbName,
    prefix,
    redisPrefix,
    slot,
    connectorName,
    config,
    topology,
    db,
    admin,
    connect,
    sql,
    subjects: [],
    basePort,
    calculators: o.calculators,
    rss,
    checkInterrupted() {
      if (interrupted) throw new Error(`interrupted by ${interrupted}: cleaning up`);
    },
    processes,
    async sampleRss() {
      for (const p of await processes()) {
        const pid = ownedPid(p.pidFile, p.marker);
        const key = p.name + (o.calculators > 1 && p.name === 'calculator' ? `-${p.instance + 1}` : '');
        if (pid !== undefined) rss[key] = Math.max(rss[key] ?? 0, peakRssMb(pid));
      }
    },
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Stops the run's processes and removes everything it made, unless `keep`; every step is tried. */
export async function closeBenchEnv(env: PipelineBenchEnv, keep: boolean, log: (line: string) => void): Promise<void> {
  const { config, admin, connect, prefix, redisPrefix, slot, dbName, connectorName, subjects } = env;
  env.release();
  stopAllBars();
  await stopProcessors(config).catch((e) => log(`stopping processors: ${(e as Error).message}`));
  await env.sql.close().catch(() => {});
  await env.db.close().catch(() => {});
  if (!keep) {
    const server = new URL(config.database.url);
    server.pathname = '/postgres';
    const steps: [string, () => Promise<unknown>][] = [
      ['connector', () => connect.deleteConnector(connectorName)],
      ['slot', () => dropReplicationSlot(server.toString(), slot)],
      ['database', () => dropDatabase(server.toString(), dbName)],
      ['topics', () => deleteTopics(admin, (t) => t.startsWith(prefix))],
      ['groups', () => deleteConsumerGroups(admin, (g) => g.startsWith(prefix))],
      ['redis', async () => {
        const redis = await connectRedis(config, { name: 'cashflow-bench-cleanup' });
        try {
          await clearState(redis, redisPrefix);
        } finally {
          redis.disconnect();
        }
      }],
      ['subjects', async () => {
        for (const s of subjects) await deleteSubject(config, s);
      }],
    ];
    for (const [what, step] of steps) await step().catch((e) => log(`cleanup ${what}: ${(e as Error).message}`));
  } else log(`kept: database ${dbName}, prefix ${prefix}, Redis prefix ${redisPrefix}, connector ${connectorName}`);
  await admin.disconnect().catch(() => {});
}
