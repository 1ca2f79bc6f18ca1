// An isolated pipeline on the real local stack for one test file: its own database, topic
// prefix (hence consumer groups and schema subjects), Redis key prefix, Debezium connector,
// replication slot and publication. setUp() creates all of it; tearDown() removes all of it
// and reports what it could not remove. A test that brings its own database server (one it
// restarts) feeds the CDC topics itself (test/support/cdc-feed.ts) instead of a connector.
import { randomBytes } from 'node:crypto';
import { createConnectClient } from '../../clients/connect.js';
import { createAdmin, createConsumer, deleteConsumerGroups, deleteTopics, type Admin, type Consumer } from '../../clients/kafka.js';
import { connectRedis, type Redis } from '../../clients/redis.js';
import { deleteSubject, registerSchemas, type RegisteredSubject } from '../../clients/schema-registry.js';
import { loadConfig, type Config } from '../../config/config.js';
import { postgresConnector, type SourceConnector } from '../../connectors/debezium.js';
import { dropDatabase, dropReplicationSlot, PostgresDatabase } from '../../db/postgres/index.js';
import { startProcessors, type RunningPipeline, type StartOptions } from '../../processors/pipeline.js';
import { clearState } from '../../state/redis-store.js';
import { applyTopics } from '../../platform/topics.js';
import { buildTopology, cdcSource, type Topology } from '../../topology/topology.js';
import { Cleanup } from './cleanup.js';

export interface PipelineEnvOptions {
  /** The PostgreSQL server of the test's database (default TEST_POSTGRES_URL or the machine's). */
  server?: string;
  /** Whether a Debezium connector captures the database (default); without, the test feeds the CDC topics. */
  connector?: boolean;
  /** Variables over the process's own (a private broker's KAFKA_*, a private worker's KAFKA_CONNECT_URL). */
  env?: Record<string, string>;
}

export class PipelineEnv {
  readonly run = randomBytes(4).toString('hex');
  readonly server: string;
  private readonly withConnector: boolean;
  readonly dbName: string;
  readonly config: Config;
  readonly topology: Topology;
  readonly connector: SourceConnector;
  readonly redisPrefix: string;
  readonly db: PostgresDatabase;
  private admin: Admin | undefined;
  private subjects: RegisteredSubject[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly extraGroups: string[] = [];
  pipeline: RunningPipeline | undefined;

  constructor(
    readonly label: string,
    options: PipelineEnvOptions = {},
  ) {
    this.server = options.server ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    this.withConnector = options.connector ?? true;
    this.dbName = `cashflow_${label}_${this.run}`;
    this.config = loadConfig({
      ...process.env,
      ...options.env,
      DATABASE_DIALECT: 'postgres',
      DATABASE_URL: Object.assign(new URL(this.server), { pathname: `/${this.dbName}` }).toString(),
    });
    this.topology = buildTopology({ ...cdcSource(this.config), prefix: `${label}${this.run}.` });
    this.connector = postgresConnector(this.config, this.topology, {
      name: `cashflow-${label}-${this.run}`,
      slotName: `cashflow_${label}_${this.run}`,
      publicationName: `cashflow_${label}_${this.run}`,
    });
    this.redisPrefix = `${label}${this.run}:`;
    this.db = new PostgresDatabase(this.config.database.url);
  }

  /** Database, topics, schemas and a running connector. */
  async setUp(): Promise<void> {
    await this.db.migrate({ publication: this.connector.publicationName });
    this.admin = await createAdmin(this.config);
    await applyTopics(this.admin, this.topology, this.config);
    this.subjects = await registerSchemas(this.config, this.topology);
    if (!this.withConnector) return;
    const connect = createConnectClient(this.config);
    await connect.putConnectorConfig(this.connector.name, this.connector.config);
    await connect.waitForRunning(this.connector.name, 120_000);
  }

  async startProcessors(options: Partial<StartOptions> = {}): Promise<RunningPipeline> {
    this.pipeline = await startProcessors({
      config: this.config,
      topology: this.topology,
      redisPrefix: this.redisPrefix,
      metricsPort: 0,
      backoff: { initialMs: 50, maxMs: 1000 },
      log: () => {},
      ...options,
    });
    return this.pipeline;
  }

  /** A consumer of our own (removed with its group at the end). */
  async consumer(name: string): Promise<Consumer> {
    const groupId = `${this.topology.options.prefix}test.${name}`;
    const c = await createConsumer(this.config, { groupId, fromBeginning: true });
    this.consumers.push(c);
    this.extraGroups.push(groupId);
    return c;
  }

  /** A Redis client without key prefix (for FLUSH of our prefix). */
  async rawRedis(): Promise<Redis> {
    return connectRedis(this.config, { name: 'cashflow-test' });
  }

  async tearDown(): Promise<void> {
    const cleanup = new Cleanup();
    const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
    await attempt('processors', async () => this.pipeline?.stop());
    for (const c of this.consumers) await attempt('consumer', () => c.disconnect());
    if (this.withConnector) {
      const connect = createConnectClient(this.config);
      await attempt('connector', () => connect.deleteConnector(this.connector.name));
      await attempt('slot', () => dropReplicationSlot(this.server, this.connector.slotName!));
    }
    await attempt('database client', () => this.db.close());
    await attempt('database', () => dropDatabase(this.server, this.dbName));
    await attempt('topics', async () => {
      this.admin ??= await createAdmin(this.config);
      await deleteTopics(this.admin, (t) => t.startsWith(this.topology.options.prefix));
    });
    await attempt('consumer groups', async () => {
      this.admin ??= await createAdmin(this.config);
      await deleteConsumerGroups(this.admin, (g) => g.startsWith(this.topology.options.prefix));
    });
    await attempt('admin', async () => this.admin?.disconnect());
    for (const s of this.subjects) {
      await attempt(`subject ${s.subject}`, () => deleteSubject(this.config, s.subject));
    }
    await attempt('redis keys', async () => {
      const redis = await this.rawRedis();
      try {
        await clearState(redis, this.redisPrefix);
      } finally {
        redis.disconnect();
      }
    });
    cleanup.done();
  }
}

/** Re-exported for the tests: it lives beside the private instances that use it too. */
export { eventually } from '../../stack/private/wait.js';
