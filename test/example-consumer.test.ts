// The downstream consumer of examples/ (docs/consumers.md) against the local stack: records
// of an isolated `cashflow.contract-cashflows` topic, encoded through the registry as the
// calculator writes them, become one row per contract: newer versions win whatever their order,
// a deleted contract stays deleted, a tombstone removes its contract; a rebuild from the
// compacted topic gives the same table. The example runs in this process (runConsumer): the
// program's main only adds its flags and signals.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, type Producer } from '../clients/kafka.js';
import { createAvroCodec } from '../clients/schema-registry.js';
import type { ContractCashflows } from '../schemas/types.js';
import { testEnv } from './env/index.js';
import { PipelineEnv } from './support/pipeline-env.js';
import { runConsumer, settingsFromEnv } from '../examples/contract-cashflows-consumer.js';

const env = new PipelineEnv('exc', { connector: false });
const TABLE = 'downstream_cashflows';
let producer: Producer | undefined;
let downstream: pg.Pool | undefined;

beforeAll(async () => {
  await testEnv();
  await env.setUp();
  producer = await createProducer(env.config);
  downstream = new pg.Pool({ connectionString: env.config.database.url, max: 1 });
});

afterAll(async () => {
  await producer?.disconnect();
  await downstream?.end();
  await env.tearDown();
});

function cashflows(contractId: string, version: number, status: ContractCashflows['status'], payoff = 0): ContractCashflows {
  return {
    contractId,
    contractType: 'PAM',
    version,
    fingerprint: null,
    status,
    reason: null,
    computedAt: '2026-12-07T12:00:00',
    events:
      status === 'computed'
        ? [{ eventDate: '2027-01-01T00:00:00', eventType: 'IP', currency: 'USD', payoff, notionalPrincipal: 1000, nominalInterestRate: 0.05, accruedInterest: 0, exerciseDate: null, exerciseAmount: null }]
        : [],
    jobId: null,
    requestedAtMs: null,
  };
}

/** Runs the example (in this process) until it has caught up. */
function runExample(...args: ('--rebuild')[]) {
  return runConsumer(
    {
      ...settingsFromEnv({
        KAFKA_BOOTSTRAP_SERVERS: env.config.kafka.bootstrapServers,
        SCHEMA_REGISTRY_URL: env.config.schemaRegistryUrl,
        DATABASE_URL: env.config.database.url,
        CASHFLOWS_TOPIC: env.topology.topic('contractCashflows').name,
        CONSUMER_GROUP: `${env.topology.options.prefix}downstream`,
        CASHFLOWS_TABLE: TABLE,
      }),
    },
    { untilCaughtUp: true, rebuild: args.includes('--rebuild'), log: () => {} },
  );
}

async function table(): Promise<Record<string, { version: number; status: string; payoffs: number[] }>> {
  const { rows } = await downstream!.query<{ contract_id: string; version: string; status: string; events: { payoff: number }[] }>(
    `SELECT contract_id, version, status, events FROM ${TABLE}`,
  );
  return Object.fromEntries(rows.map((r) => [r.contract_id, { version: Number(r.version), status: r.status, payoffs: r.events.map((e) => e.payoff) }]));
}

describe('the example consumer of contract-cashflows', () => {
  it('keeps the newest version per contract, deleted contracts as deleted, and drops tombstoned ones; a rebuild gives the same table', async () => {
    const codec = createAvroCodec(env.config, env.topology);
    const topic = env.topology.topic('contractCashflows').name;
    const send = async (key: string, value: ContractCashflows | null) =>
      producer!.send({ topic, messages: [{ key, value: value === null ? null : await codec.encode('contractCashflows', value) }] });
    await send('a', cashflows('a', 1, 'computed', 10));
    await send('a', cashflows('a', 2, 'computed', 20));
    await send('b', cashflows('b', 1, 'computed', 30));
    await send('b', cashflows('b', 2, 'deleted'));
    await send('c', cashflows('c', 1, 'computed', 40));
    await send('c', null);
    await send('d', cashflows('d', 5, 'computed', 50));
    await send('d', cashflows('d', 4, 'computed', 45)); // older, read after: ignored
    await send('e', cashflows('e', 1, 'waiting'));
    const expected = {
      a: { version: 2, status: 'computed', payoffs: [20] },
      b: { version: 2, status: 'deleted', payoffs: [] },
      d: { version: 5, status: 'computed', payoffs: [50] },
      e: { version: 1, status: 'waiting', payoffs: [] },
    };

    const first = await runExample();
    expect(first.applied).toBe(9);
    expect(await table()).toEqual(expected);

    // running again reads nothing new: the offsets were committed
    expect((await runExample()).applied).toBe(0);
    await send('a', cashflows('a', 3, 'computed', 30));
    expect((await runExample()).applied).toBe(1);
    expected.a = { version: 3, status: 'computed', payoffs: [30] };
    expect(await table()).toEqual(expected);

    // a rebuild empties the table and reads the whole topic again under a group of its own
    await downstream!.query(`UPDATE ${TABLE} SET version = 0, events = '[]'::jsonb`);
    const rebuilt = await runExample('--rebuild');
    expect(rebuilt.group).not.toBe(first.group);
    expect(rebuilt.applied).toBe(10);
    expect(await table()).toEqual(expected);
  });
});
