// The platform on the real local stack (`cashflow stack up`): migrate into a unique database,
// create the topics of a uniquely prefixed topology, register the schemas, run a Debezium
// PostgreSQL connector with its own slot and publication, and see an inserted contract arrive
// on its CDC topic. Everything created is removed at the end.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectClient, type ConnectClient } from '../clients/connect.js';
import { requestJson } from '../clients/http.js';
import { createAdmin, createConsumer, type Admin, type Consumer } from '../clients/kafka.js';
import { createAvroCodec, deleteSubject, registerSchemas, type RegisteredSubject } from '../clients/schema-registry.js';
import { loadConfig, type Config } from '../config/config.js';
import { postgresConnector, type SourceConnector } from '../connectors/debezium.js';
import { dropDatabase, dropReplicationSlot, PostgresDatabase } from '../db/postgres/index.js';
import type { ContractCashflows } from '../schemas/types.js';
import { applyTopics } from '../platform/topics.js';
import { buildTopology, cdcSource, type Topology } from '../topology/topology.js';
import { testEnv } from './env/index.js';
import { Cleanup } from './support/cleanup.js';
import { decodedSchedule } from '../wire/schedule.js';

const run = randomBytes(4).toString('hex');
const dbName = `cashflow_it_${run}`;
const groupId = `it${run}.platform-test`;
let server: string;
let config: Config;
let topology: Topology;
let connector: SourceConnector;
let connect: ConnectClient;
let db: PostgresDatabase;
let admin: Admin | undefined;
let consumer: Consumer | undefined;
let subjects: RegisteredSubject[] = [];

beforeAll(async () => {
  const env = await testEnv(); // the local stack, or containers with CASHFLOW_TEST_ENV=docker
  server = env.postgresUrl;
  const databaseUrl = Object.assign(new URL(server), { pathname: `/${dbName}` });
  config = loadConfig({ ...process.env, DATABASE_DIALECT: 'postgres', DATABASE_URL: databaseUrl.toString() });
  topology = buildTopology({ ...cdcSource(config), prefix: `it${run}.` });
  // Connect may reach PostgreSQL under another name than we do (a container name under Docker).
  const fromConnect = Object.assign(new URL(databaseUrl), {
    hostname: env.postgresFromConnect.host,
    port: String(env.postgresFromConnect.port),
  });
  connector = postgresConnector(config, topology, {
    name: `cashflow-it-${run}`,
    slotName: `cashflow_it_${run}`,
    publicationName: `cashflow_it_${run}`,
    databaseUrl: fromConnect.toString(),
  });
  connect = createConnectClient(config);
  db = new PostgresDatabase(config.database.url);
});

afterAll(async () => {
  const cleanup = new Cleanup();
  const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
  await attempt('consumer', async () => consumer?.disconnect());
  if (!config) return; // the environment never came up: nothing was created
  await attempt('connector', () => connect.deleteConnector(connector.name));
  await attempt('slot', () => dropReplicationSlot(server, connector.slotName!));
  await attempt('database client', () => db.close());
  await attempt('database', () => dropDatabase(server, dbName));
  await attempt('topics', async () => {
    admin ??= await createAdmin(config);
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(topology.options.prefix));
    if (ours.length) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
  });
  await attempt('consumer group', async () => {
    admin ??= await createAdmin(config);
    await admin.deleteGroups([groupId]);
  });
  await attempt('admin', async () => admin?.disconnect());
  for (const s of subjects) {
    await attempt(`subject ${s.subject}`, () => deleteSubject(config, s.subject));
  }
  cleanup.done();
});

describe('platform on the local stack', () => {
  it('migrates a new database (created, schema applied, publication ready)', async () => {
    const outcome = await db.migrate({ publication: connector.publicationName });
    expect(outcome).toMatchObject({ database: dbName, createdDatabase: true, applied: ['001_init', '002_cdc_heartbeat', '003_cashflows_version_key'] });
    expect(outcome.warnings).toEqual([]); // wal_level=logical on the stack
  });

  it('creates every topic of the topology with its partitions, and a second apply changes nothing', async () => {
    admin = await createAdmin(config);
    const first = await applyTopics(admin, topology, config);
    expect(first.map((o) => o.action)).toEqual(topology.topics.map(() => 'created'));
    const second = await applyTopics(admin, topology, config);
    expect(second.map((o) => [o.topic, o.action, o.partitions])).toEqual(
      topology.topics.map((t) => [t.name, 'exists', t.partitions]),
    );
  });

  it('registers every Avro schema with BACKWARD compatibility and round-trips a value through the registry', async () => {
    subjects = await registerSchemas(config, topology);
    expect(subjects.map((s) => s.record).sort()).toEqual([
      'ContractCashflows',
      'ContractTerms',
      'DeadLetter',
      'JobChunk', // cashflow.jobs (recalculation jobs)
      'JobChunk', // cashflow.api-jobs (the API's jobs)
      'JobEvent',
      'MarketObservation',
      'Position',
      'RecalcRequest',
    ]);
    for (const s of subjects) {
      const level = await requestJson<{ compatibilityLevel?: string; compatibility?: string }>(
        'schema-registry',
        'GET',
        `${config.schemaRegistryUrl}/config/${encodeURIComponent(s.subject)}`,
      );
      expect(level.body.compatibilityLevel ?? level.body.compatibility, s.subject).toBe('BACKWARD');
    }
    expect((await registerSchemas(config, topology)).map((s) => s.id)).toEqual(subjects.map((s) => s.id));

    const codec = createAvroCodec(config, topology);
    const value: ContractCashflows = {
      contractId: 'c-1',
      contractType: 'PAM',
      version: 123456789,
      fingerprint: 'f',
      status: 'computed',
      reason: null,
      computedAt: '2026-11-25T12:00:00',
      events: [
        {
          eventDate: '2026-12-31T23:59:59',
          eventType: 'IP',
          currency: 'USD',
          payoff: 0.1234567890123,
          notionalPrincipal: 1e6,
          nominalInterestRate: 0.05,
          accruedInterest: 0,
          exerciseDate: null,
          exerciseAmount: null,
        },
      ],
      jobId: null,
      requestedAtMs: null,
    };
    const wire = await codec.encode('contractCashflows', value);
    expect(wire.readUInt8(0)).toBe(0);
    expect(wire.readUInt32BE(1)).toBe(subjects.find((s) => s.record === 'ContractCashflows')!.id);
    expect(decodedSchedule(await codec.decode('contractCashflows', wire))).toEqual(value); // the decoder leaves the events encoded
  });

  it('streams an inserted contract row to its CDC topic through the Debezium connector', async () => {
    expect(await connect.putConnectorConfig(connector.name, connector.config)).toBe(true);
    expect(await connect.putConnectorConfig(connector.name, connector.config)).toBe(false); // idempotent
    await connect.waitForRunning(connector.name, 120_000);

    const topic = topology.topic('cdcContracts').name;
    expect(topic).toBe(`it${run}.cdc.${dbName}.public.contracts`);
    consumer = await createConsumer(config, { groupId, fromBeginning: true });
    await consumer.subscribe({ topics: [topic] });
    const seen: { op: string; after: Record<string, unknown> | null }[] = [];
    const arrived = new Promise<void>((resolve) => {
      void consumer!.run({
        eachMessage: async ({ message }) => {
          if (!message.value) return;
          const event = JSON.parse(message.value.toString('utf8')) as {
            schema?: unknown;
            payload: { op: string; after: Record<string, unknown> | null };
          };
          expect(event.schema).toBeDefined(); // JsonConverter with schemas
          seen.push(event.payload);
          if (event.payload.after?.contract_id === 'it-contract-1') resolve();
        },
      });
    });
    const committedAt = Date.now();
    await db.upsertContracts([
      { contractId: 'it-contract-1', contractType: 'PAM', terms: '{"contractType":"PAM"}' },
    ]);
    await Promise.race([
      arrived,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no change event on ${topic} after 60 s`)), 60_000),
      ),
    ]);
    const event = seen.find((e) => e.after?.contract_id === 'it-contract-1')!;
    expect(event.op).toBe('c');
    expect(event.after).toMatchObject({ contract_type: 'PAM', terms: '{"contractType":"PAM"}' });
    process.stderr.write(`platform: change event after ${Date.now() - committedAt} ms\n`);
  });
});
