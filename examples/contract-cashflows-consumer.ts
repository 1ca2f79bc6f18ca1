// A downstream consumer of `cashflow.contract-cashflows`, as a team that owns its own table would
// write it (docs/consumers.md explains each rule). It keeps one row per contract in PostgreSQL:
// the latest schedule, applied only when its version is newer than the row's, so that replays
// and rebuilds are harmless; a contract deleted at the source stays as a `deleted` row with no
// events (so an older version read later cannot bring it back); a tombstone (null value)
// removes the row. Offsets are committed after the rows are written: at least once, and the
// version check makes a repeat a no-op.
//
// Self-contained on purpose (public libraries only, nothing from this repository), so a team
// can copy it. Build and run from a checkout:
//
//   npm run build
//   DATABASE_URL=postgres://…/downstream node dist/examples/contract-cashflows-consumer.js [--until-caught-up] [--rebuild]
//
// --until-caught-up  stop once every partition is read up to where it ended at the start
// --rebuild          empty the table and read the compacted topic from the beginning again
//                    (a fresh consumer group: the old one's offsets are left as they were)
//
// Environment: KAFKA_BOOTSTRAP_SERVERS (127.0.0.1:9092), SCHEMA_REGISTRY_URL (the registry's
// Confluent-compatible API), DATABASE_URL (the downstream database), CASHFLOWS_TOPIC
// (cashflow.contract-cashflows), CONSUMER_GROUP (downstream.contract-cashflows),
// CASHFLOWS_TABLE (downstream_cashflows).
import { pathToFileURL } from 'node:url';
import kafkaJavascript from '@confluentinc/kafka-javascript';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import pg from 'pg';

const { KafkaJS } = kafkaJavascript;

/** The value as the schema (schemas/avro/contract-cashflows.avsc) describes it, in the fields used here. */
interface ContractCashflows {
  contractId: string;
  version: number;
  status: 'computed' | 'waiting' | 'deleted';
  reason: string | null;
  computedAt: string;
  events: { eventDate: string; eventType: string; payoff: number; currency: string | null }[];
}

export interface ConsumerSettings {
  brokers: string[];
  /** The registry's Confluent-compatible API. */
  registry: string;
  /** The downstream database (it must exist). */
  database: string;
  topic: string;
  group: string;
  table: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConsumerSettings {
  const get = (name: string, fallback: string) => env[name] || fallback;
  return {
    brokers: get('KAFKA_BOOTSTRAP_SERVERS', '127.0.0.1:9092').split(','),
    registry: get('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7'),
    database: get('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/downstream'),
    topic: get('CASHFLOWS_TOPIC', 'cashflow.contract-cashflows'),
    group: get('CONSUMER_GROUP', 'downstream.contract-cashflows'),
    table: get('CASHFLOWS_TABLE', 'downstream_cashflows'),
  };
}

export interface RunOptions {
  /** Stop once every partition is read up to where it ended at the start. */
  untilCaughtUp: boolean;
  /** Empty the table and read the topic from the beginning under a consumer group of its own. */
  rebuild: boolean;
  /** Resolves to stop (SIGTERM/SIGINT when run as a program). */
  stop?: Promise<void>;
  log?: (line: string) => void;
}

/** Keeps the table in step with the topic; what it did when it stops. */
export async function runConsumer(
  settings: ConsumerSettings,
  options: RunOptions,
): Promise<{ group: string; applied: number; contracts: number }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!/^[a-z_][a-z0-9_]*$/.test(settings.table)) throw new Error(`CASHFLOWS_TABLE: not a plain table name: ${settings.table}`);
  const table = settings.table;
  const db = new pg.Pool({ connectionString: settings.database, max: 2 });
  await db.query(`CREATE TABLE IF NOT EXISTS ${table} (
    contract_id text PRIMARY KEY,
    version bigint NOT NULL,
    status text NOT NULL,
    reason text,
    computed_at text NOT NULL,
    events jsonb NOT NULL
  )`);
  // a rebuild starts from nothing under a consumer group of its own, from the topic's beginning
  const group = options.rebuild ? `${settings.group}.rebuild-${Date.now()}` : settings.group;
  if (options.rebuild) await db.query(`TRUNCATE ${table}`);

  /** Applies one record: newer versions only; a tombstone removes the contract. */
  const apply = async (client: pg.PoolClient, contractId: string, value: ContractCashflows | null) => {
    if (value === null) {
      await client.query(`DELETE FROM ${table} WHERE contract_id = $1`, [contractId]);
      return;
    }
    await client.query(
      `INSERT INTO ${table} (contract_id, version, status, reason, computed_at, events)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (contract_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status,
         reason = EXCLUDED.reason, computed_at = EXCLUDED.computed_at, events = EXCLUDED.events
       WHERE ${table}.version < EXCLUDED.version`,
      [contractId, value.version, value.status, value.reason, value.computedAt, JSON.stringify(value.events)],
    );
  };

  const registry = new SchemaRegistry({ host: settings.registry });
  // librdkafka's own property names (the KafkaJS-style API accepts them beside its own)
  const kafka = new KafkaJS.Kafka({ 'bootstrap.servers': settings.brokers.join(','), 'client.id': 'downstream-cashflows' });
  const admin = kafka.admin();
  await admin.connect();
  // where each partition ends now: untilCaughtUp stops there
  const ends = new Map((await admin.fetchTopicOffsets(settings.topic)).map((p) => [p.partition, Number(p.high)]));
  // and where the group stands (a partition with nothing new is caught up already)
  const committed = await admin.fetchOffsets({ groupId: group, topics: [settings.topic] });
  await admin.disconnect();
  const reached = new Map<number, number>(
    (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as [number, number]),
  );
  const caughtUp = () => [...ends].every(([p, high]) => high === 0 || (reached.get(p) ?? 0) >= high);

  const consumer = kafka.consumer({
    'group.id': group,
    // a new group starts at the beginning: the compacted topic holds every contract's latest schedule
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [settings.topic] });
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  void options.stop?.then(() => done());
  let applied = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        for (const m of batch.messages) {
          const contractId = m.key?.toString('utf8') ?? '';
          const value = m.value === null ? null : ((await registry.decode(m.value)) as ContractCashflows);
          await apply(client, contractId, value);
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e; // the batch is read again: nothing is committed past it
      } finally {
        client.release();
      }
      applied += batch.messages.length;
      const next = Number(batch.messages.at(-1)!.offset) + 1;
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]);
      reached.set(batch.partition, next);
      log(`partition ${batch.partition}: ${batch.messages.length} records applied, next offset ${next}`);
      if (options.untilCaughtUp && caughtUp()) done();
    },
  });
  if (options.untilCaughtUp && caughtUp()) done();
  await finished;
  await consumer.disconnect();
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  await db.end();
  return { group, applied, contracts: Number(rows[0]!.n) };
}

// run as a program (not when imported)
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const stop = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  const result = await runConsumer(settingsFromEnv(), {
    untilCaughtUp: process.argv.includes('--until-caught-up'),
    rebuild: process.argv.includes('--rebuild'),
    stop,
  });
  console.log(JSON.stringify(result));
  process.exit(0);
}
