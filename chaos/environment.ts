// The chaos run's platform, all of its own so that its faults disturb no one: a KRaft broker,
// a Connect worker and a schema registry started from the local stack's artifacts
// (stack/private/), a Redis without persistence, a PostgreSQL cluster with wal_level=logical for
// the source and result tables, and the processors as `cashflow run` child processes with their
// pid and log files in the run's folder. Only the registry's storage is a database on the
// machine's PostgreSQL (created and dropped here), so that the registry survives the faults of
// the run's own database.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createAdmin, type Admin } from '../clients/kafka.js';
import { createConnectClient, type ConnectClient } from '../clients/connect.js';
import { registerSchemas } from '../clients/schema-registry.js';
import { loadConfig, type Config } from '../config/config.js';
import { postgresConnector, type SourceConnector } from '../connectors/debezium.js';
import { dropDatabase, PostgresDatabase, standaloneClient } from '../db/postgres/index.js';
import { PROCESSORS, processorProcesses, startProcessors, stopProcessors, type ProcessorProcess } from '../platform/processes.js';
import type { StackLayout } from '../stack/layout.js';
import { freePortRange } from '../stack/free-port.js';
import { PrivateKafka } from '../stack/private/kafka.js';
import { postgresBinDir, PrivatePostgres } from '../stack/private/postgres.js';
import type { PrivateProcess } from '../stack/private/process.js';
import { PrivateRedis } from '../stack/private/redis.js';
import { privateConnect, privateRegistry, sharedStackLayout } from '../stack/private/services.js';
import { applyTopics } from '../platform/topics.js';
import { topologyFromConfig, type ProcessorName, type Topology } from '../topology/topology.js';

export class ChaosSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChaosSetupError';
  }
}

export type Log = (line: string) => void;

/** Consecutive free ports for the processors' /metrics (one per process), kept through their restarts. */
async function metricsPorts(count: number): Promise<number> {
  try {
    return await freePortRange(count);
  } catch (e) {
    throw new ChaosSetupError(`the processors' metrics: ${(e as Error).message}`);
  }
}

export class ChaosEnvironment {
  readonly run = randomBytes(3).toString('hex');
  readonly dir: string;
  readonly shared: StackLayout;
  readonly postgres: PrivatePostgres;
  readonly redis: PrivateRedis;
  readonly kafka: PrivateKafka;
  registry!: PrivateProcess;
  connectWorker!: PrivateProcess;
  /** The variables every process of the run reads its configuration from. */
  env: Record<string, string> = {};
  config!: Config;
  topology!: Topology;
  connector!: SourceConnector;
  db!: PostgresDatabase;
  admin!: Admin;
  connect!: ConnectClient;
  private basePort = 0;
  private readonly registryServer: string;
  private readonly registryDatabase: string;

  constructor(private readonly log: Log) {
    this.shared = sharedStackLayout();
    for (const [what, path] of [['Kafka jars', this.shared.lib], ['Debezium plugins', this.shared.plugins], ['the registry', this.shared.registryHome]] as const)
      if (!existsSync(path)) throw new ChaosSetupError(`${what} not found at ${path}: run \`cashflow stack up\` once (the chaos run starts its own instances from the stack's artifacts)`);
    const bin = postgresBinDir();
    if (!bin) throw new ChaosSetupError('no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/<major>/bin: set TEST_POSTGRES_BINDIR');
    this.postgres = new PrivatePostgres(bin, { logical: true });
    this.kafka = new PrivateKafka(this.shared.lib);
    this.redis = new PrivateRedis({ persistence: false });
    // the machine's PostgreSQL, as the configuration names it (config/config.ts: DATABASE_URL)
    const server = new URL(loadConfig(process.env, ['database']).database.url);
    server.pathname = '/postgres';
    this.registryServer = server.toString();
    this.registryDatabase = `cashflow_chaos_${this.run}_registry`;
    this.dir = mkdtempSync(join(tmpdir(), 'cashflow-chaos-'));
  }

  get slot(): string {
    return 'cashflow_chaos';
  }

  async up(): Promise<void> {
    const t0 = Date.now();
    await Promise.all([this.postgres.start(), this.redis.start(), this.kafka.start()]);
    const admin = standaloneClient(this.registryServer);
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${this.registryDatabase}`);
    } finally {
      await admin.end();
    }
    const server = new URL(this.registryServer);
    const [registry, connect] = await Promise.all([
      privateRegistry(join(this.dir, 'registry'), this.shared, { host: server.hostname, port: Number(server.port || 5432), database: this.registryDatabase, user: decodeURIComponent(server.username || 'postgres'), password: decodeURIComponent(server.password) }),
      privateConnect(join(this.dir, 'connect'), this.shared, this.kafka.clientKafka()),
    ]);
    this.registry = registry.process;
    this.connectWorker = connect.process;
    await Promise.all([this.registry.start(), this.connectWorker.start()]);
    this.basePort = await metricsPorts(PROCESSORS.length);
    const stackDir = join(this.dir, 'stack');
    mkdirSync(stackDir, { recursive: true });
    this.env = {
      KAFKA_BOOTSTRAP_SERVERS: this.kafka.bootstrapServers,
      KAFKA_SECURITY_PROTOCOL: 'plaintext',
      SCHEMA_REGISTRY_URL: registry.url,
      KAFKA_CONNECT_URL: connect.url,
      REDIS_URL: this.redis.url,
      DATABASE_DIALECT: 'postgres',
      DATABASE_URL: this.postgres.url('cashflow'),
      DATABASE_READ_URL: this.postgres.url('cashflow'),
      CASHFLOW_TOPIC_PREFIX: '',
      CASHFLOW_REDIS_PREFIX: 'cashflow:',
      CASHFLOW_STACK_DIR: stackDir,
    };
    this.config = loadConfig({ ...process.env, ...this.env });
    this.topology = topologyFromConfig(this.config);
    this.db = new PostgresDatabase(this.config.database.url, { max: 4 });
    await this.db.migrate({ publication: this.slot });
    this.admin = await createAdmin(this.config, 'cashflow-chaos');
    await applyTopics(this.admin, this.topology, this.config);
    await registerSchemas(this.config, this.topology);
    this.connect = createConnectClient(this.config);
    this.connector = postgresConnector(this.config, this.topology, { name: 'cashflow-chaos', slotName: this.slot, publicationName: this.slot });
    // No retries of its own: a lost replication connection fails the task at once, and the
    // run's operator restarts it through the REST API (the "connector task failed" fault)
    this.connector.config['errors.max.retries'] = '0';
    await this.connect.putConnectorConfig(this.connector.name, this.connector.config);
    await this.connect.waitForRunning(this.connector.name, 120_000);
    this.log(`environment up in ${((Date.now() - t0) / 1000).toFixed(1)} s: broker ${this.kafka.bootstrapServers}, registry ${registry.url}, Connect ${connect.url}, Redis ${this.redis.url}, PostgreSQL ${this.postgres.url('cashflow')}, folder ${this.dir}`);
  }

  /** The processor processes of the run (one per kind). */
  processes(): Promise<ProcessorProcess[]> {
    return processorProcesses(this.config, { basePort: this.basePort });
  }

  /** Starts the processors that do not run (all of them, or `only`); waits until each answers /healthz. */
  async startProcessors(only?: readonly ProcessorName[]): Promise<void> {
    await startProcessors(this.config, { basePort: this.basePort, only, extraEnv: this.env });
  }

  /** Everything stopped and removed; the run's folder (processor logs) kept when `keepLogs`. */
  async down(keepLogs: boolean): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      // only the run's own processors (its own pid folder): never a default configuration's
      ['processors', async () => this.config && stopProcessors(this.config, 10_000)],
      ['admin', async () => this.admin?.disconnect()],
      ['database client', async () => this.db?.close()],
      ['connect', async () => this.connectWorker?.stop('SIGTERM', 30_000)],
      ['registry', async () => this.registry?.stop('SIGTERM', 30_000)],
      ['registry database', () => dropDatabase(this.registryServer, this.registryDatabase)],
      ['broker', () => this.kafka.remove()],
      ['redis', () => this.redis.remove()],
      ['postgres', () => this.postgres.remove()],
    ];
    for (const [what, step] of steps) await step().catch((e) => this.log(`cleanup ${what}: ${(e as Error).message}`));
    if (!keepLogs) rmSync(this.dir, { recursive: true, force: true });
    else this.log(`kept the run's folder (processor, Connect and registry logs): ${this.dir}`);
  }
}
