// Dead letters on the real broker (processors/dead-letter.ts): contract-ingest running against a
// topic prefix of its own, fed two rows its CDC decoder cannot read (not JSON):
// - 300,000 bytes: over CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES (set to 100,000 here), so its dead
//   letter carries its length and SHA-256 instead of the bytes;
// - 999,900 bytes, with the limit raised to 2 MB by a second processor run: the dead letter
//   carrying it whole is over the client's message.max.bytes (1,000,000), refused as too large,
//   and sent once more without the value instead of blocking the partition; the row after it is
//   still processed (its own dead letter follows).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, type Producer } from '../clients/kafka.js';
import { createAvroCodec } from '../clients/schema-registry.js';
import type { DeadLetter } from '../schemas/types.js';
import { overlay, type Config } from '../config/config.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';

const env = new PipelineEnv('dlbounds', { connector: false });
let producer: Producer | undefined;
const received: { key: string | null; headers: Record<string, string>; value: DeadLetter }[] = [];

beforeAll(async () => {
  await env.setUp();
  producer = await createProducer(env.config, { clientId: 'dead-letter-bounds-test' });
  const codec = createAvroCodec(env.config, env.topology);
  const consumer = await env.consumer('dead-letters');
  await consumer.subscribe({ topics: [env.topology.topic('deadLetter').name] });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({
        key: message.key?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        value: (await codec.decode('deadLetter', message.value!)) as DeadLetter,
      });
    },
  });
});

afterAll(async () => {
  await producer?.disconnect();
  await env.tearDown();
});

const garbage = (n: number, fill: string) => Buffer.alloc(n, fill);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function produce(key: string, value: Buffer) {
  await producer!.send({
    topic: env.topology.topic('cdcContracts').name,
    messages: [{ key, value, partition: 0 }],
  });
}

/** The environment's configuration with CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES = `bytes` (the configuration is read-only). */
function withDeadLetterLimit(bytes: number): Config {
  return overlay(env.config, { pipeline: overlay(env.config.pipeline, { deadLetterMaxValueBytes: bytes }) });
}

describe('dead letters on the broker', () => {
  it('carry a value over the limit as its length and SHA-256', async () => {
    const pipeline = await env.startProcessors({ processors: ['contract-ingest'], config: withDeadLetterLimit(100_000) });
    const big = garbage(300_000, 'x');
    await produce('big', big);
    const d = await eventually('the dead letter of "big"', async () => received.find((r) => r.key === 'big'));
    expect(d.value).toMatchObject({
      processor: 'contract-ingest',
      originalValue: null,
      originalValueBytes: 300_000,
      originalValueSha256: sha256(big),
    });
    expect(d.headers['original.value.omitted']).toBe('over 100000 bytes');
    expect(d.value.reason.length).toBeLessThanOrEqual(500);
    await pipeline.stop();
  });

  it('refused by the client as too large, is sent again without the value, and the partition moves on', async () => {
    await env.startProcessors({ processors: ['contract-ingest'], config: withDeadLetterLimit(2_000_000) });
    const huge = garbage(999_900, 'y');
    await produce('huge', huge);
    await produce('after', Buffer.from('not json either'));
    const d = await eventually(
      'the dead letter of "huge"',
      async () => received.find((r) => r.key === 'huge'),
      120_000,
    );
    expect(d.value).toMatchObject({
      originalValue: null,
      originalValueBytes: 999_900,
      originalValueSha256: sha256(huge),
    });
    expect(d.headers['original.value.omitted']).toBe('refused as too large');
    const after = await eventually(
      'the dead letter of "after"',
      async () => received.find((r) => r.key === 'after'),
      120_000,
    );
    // small: whole
    expect(after.value.originalValue?.toString()).toBe('not json either');
  });
});
