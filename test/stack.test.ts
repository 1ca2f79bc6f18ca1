// Proves each part of the stack is real: the broker carries messages, the registry's Confluent
// API stores Avro schemas, Connect runs Debezium and a committed row arrives as a change event,
// Redis answers. Every name is unique per run and removed at the end (docs/operations.md).
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName, type TestEnv } from './env/index.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('@confluentinc/kafka-javascript')
  .KafkaJS as typeof import('@confluentinc/kafka-javascript').KafkaJS;

type KafkaClient = InstanceType<typeof Kafka>;
type Admin = ReturnType<KafkaClient['admin']>;

let env: TestEnv;
let kafka: KafkaClient;
let admin: Admin;
const run = uniqueName('stack_test');

beforeAll(async () => {
  env = await testEnv();
  kafka = new Kafka({ kafkaJS: { brokers: env.kafkaBootstrapServers.split(','), logLevel: logLevel.ERROR } });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
});

/** Consumes `topic` from the beginning until `found` accepts a message, or fails after `ms`. */
async function consumeUntil<T>(
  topic: string,
  groupId: string,
  found: (value: Buffer | null) => T | undefined,
  ms = 60_000,
): Promise<T> {
  const consumer = kafka.consumer({ kafkaJS: { groupId, fromBeginning: true } });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing matching on ${topic} within ${ms} ms`)), ms);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const hit = found(message.value);
          if (hit !== undefined) {
            clearTimeout(timer);
            resolve(hit);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

describe('the broker', () => {
  const topic = `${run}.roundtrip`;
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  });

  it('carries a produced message to a consumer', async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    const producer = kafka.producer({ kafkaJS: { acks: -1, idempotent: true } });
    await producer.connect();
    const body = `hello ${run}`;
    await producer.send({ topic, messages: [{ key: 'k1', value: body }] });
    await producer.disconnect();
    const got = await consumeUntil(topic, `${run}-broker`, (v) =>
      v?.toString() === body ? v.toString() : undefined,
    );
    expect(got).toBe(body);
  });
});

describe('the schema registry (Confluent API)', () => {
  const subject = `${run}.payment-value`;
  afterAll(async () => {
    // Soft delete, then permanent: the registry's storage outlives the run.
    for (const q of ['', '?permanent=true']) {
      await fetch(`${env.schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}${q}`, {
        method: 'DELETE',
      }).catch(() => undefined);
    }
  });

  it('registers, fetches and round-trips an Avro schema', async () => {
    const { SchemaRegistry, SchemaType } = await import('@kafkajs/confluent-schema-registry');
    const registry = new SchemaRegistry({ host: env.schemaRegistryUrl });
    // register() insists that GET /config/<subject> equals BACKWARD; Apicurio answers NONE for a
    // subject without its own level (docs/operations.md), so set it first.
    const put = await fetch(`${env.schemaRegistryUrl}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    expect(put.status).toBe(200);
    const schema = {
      type: 'record',
      name: 'Payment',
      namespace: 'cashflow.test',
      fields: [
        { name: 'contractId', type: 'string' },
        { name: 'amount', type: 'double' },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject },
    );
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
    const fetched = (await (await fetch(`${env.schemaRegistryUrl}/schemas/ids/${id}`)).json()) as {
      schema: string;
    };
    expect(JSON.parse(fetched.schema)).toMatchObject({ name: 'Payment', namespace: 'cashflow.test' });
    const encoded = await registry.encode(id, { contractId: 'c-1', amount: 12.5 });
    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the schema id
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual({ contractId: 'c-1', amount: 12.5 });
  });
});

describe('Kafka Connect with Debezium', () => {
  const database = run;
  const slot = run;
  const publication = run;
  const connector = run.replace(/_/g, '-');
  const topicPrefix = connector;
  const table = 'items';
  const topic = `${topicPrefix}.public.${table}`;
  let pg: typeof import('pg').default;
  const urlFor = (db: string) => {
    const u = new URL(env.postgresUrl);
    u.pathname = `/${db}`;
    return u.toString();
  };

  beforeAll(async () => {
    pg = (await import('pg')).default;
    const server = new pg.Client({ connectionString: urlFor('postgres') });
    await server.connect();
    await server.query(`CREATE DATABASE "${database}"`);
    await server.end();
    const db = new pg.Client({ connectionString: urlFor(database) });
    await db.connect();
    await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL, amount double precision)`);
    await db.end();
  });

  afterAll(async () => {
    await fetch(`${env.kafkaConnectUrl}/connectors/${connector}`, { method: 'DELETE' }).catch(
      () => undefined,
    );
    const server = new pg.Client({ connectionString: urlFor('postgres') });
    await server.connect();
    try {
      // The deleted connector's task lets go of its slot within seconds; a slot left behind keeps WAL forever.
      for (let i = 0; i < 60; i++) {
        const r = await server.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [
          slot,
        ]);
        if (r.rowCount === 0) break;
        if (r.rows[0].active_pid !== null) {
          await new Promise((res) => setTimeout(res, 500));
          continue;
        }
        await server.query('SELECT pg_drop_replication_slot($1)', [slot]);
        break;
      }
      await server.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await server.end();
    }
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  });

  it('lists both Debezium connector plugins', async () => {
    const plugins = (await (await fetch(`${env.kafkaConnectUrl}/connector-plugins`)).json()) as {
      class: string;
    }[];
    const classes = plugins.map((p) => p.class);
    expect(classes).toContain('io.debezium.connector.postgresql.PostgresConnector');
    expect(classes).toContain('io.debezium.connector.sqlserver.SqlServerConnector');
  });

  it('turns an inserted row into a change event', async () => {
    const pgUrl = new URL(env.postgresUrl);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    const res = await fetch(`${env.kafkaConnectUrl}/connectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: connector,
        config: {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'plugin.name': 'pgoutput',
          'database.hostname': env.postgresFromConnect.host,
          'database.port': String(env.postgresFromConnect.port),
          'database.user': decodeURIComponent(pgUrl.username || 'postgres'),
          'database.password': decodeURIComponent(pgUrl.password) || 'unused-under-trust-auth',
          'database.dbname': database,
          'topic.prefix': topicPrefix,
          'slot.name': slot,
          'publication.name': publication,
          'publication.autocreate.mode': 'filtered',
          'snapshot.mode': 'no_data',
          'table.include.list': `public.${table}`,
          'decimal.handling.mode': 'double',
          'poll.interval.ms': '100',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'key.converter.schemas.enable': 'false',
          'value.converter.schemas.enable': 'false',
        },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);

    // No snapshot (snapshot.mode=no_data): once the slot exists with a consistent point, every row
    // committed after it reaches the topic as a change (op c), never as a snapshot read (op r).
    const server = new pg.Client({ connectionString: urlFor('postgres') });
    await server.connect();
    try {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const r = await server.query(
          'SELECT confirmed_flush_lsn IS NOT NULL AS ready FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        );
        if (r.rows[0]?.ready) break;
        if (Date.now() > deadline) {
          const status = await (await fetch(`${env.kafkaConnectUrl}/connectors/${connector}/status`)).text();
          throw new Error(`connector ${connector} did not start streaming: ${status}`);
        }
        await new Promise((r2) => setTimeout(r2, 300));
      }
    } finally {
      await server.end();
    }
    const db = new pg.Client({ connectionString: urlFor(database) });
    await db.connect();
    await db.query(`INSERT INTO ${table} (id, name, amount) VALUES (1, $1, 100.25)`, [`row of ${run}`]);
    await db.end();

    type Change = {
      op: string;
      after: { id: number; name: string; amount: number } | null;
      source: { lsn?: number };
    };
    const event = await consumeUntil(
      topic,
      `${run}-cdc`,
      (v) => {
        if (!v) return undefined;
        const change = JSON.parse(v.toString()) as Change;
        return change.after?.id === 1 ? change : undefined;
      },
      90_000,
    );
    expect(event.op).toBe('c');
    expect(event.after).toEqual({ id: 1, name: `row of ${run}`, amount: 100.25 });
    expect(event.source.lsn).toBeGreaterThan(0);
  });
});

describe('Redis', () => {
  const prefix = `${run}:`;
  it('stores and returns a value', async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      await redis.set(`${prefix}greeting`, 'hello', 'EX', 60);
      await redis.hset(`${prefix}hash`, { a: '1', b: '2' });
      expect(await redis.get(`${prefix}greeting`)).toBe('hello');
      expect(await redis.hgetall(`${prefix}hash`)).toEqual({ a: '1', b: '2' });
    } finally {
      await redis.del(`${prefix}greeting`, `${prefix}hash`);
      await redis.quit();
    }
  });
});
