import { describe, expect, it } from 'vitest';
import { avroSchema } from '../schemas/avro.js';
import type { RecalcRequest } from '../schemas/types.js';
import { buildTopology } from '../topology/topology.js';
import {
  AVRO_TOPICS,
  AvroCodec,
  AvroDecodeError,
  AvroEncodeError,
  type RegistryLookup,
} from './schema-registry.js';

const topology = buildTopology({ database: 'cashflow', schema: 'public' });

/** A registry holding our schemas under ids 41.., plus an older RecalcRequest as id 7. */
function fakeRegistry(): RegistryLookup & { lookups: string[] } {
  const older = avroSchema('RecalcRequest');
  const olderSchema = {
    ...older,
    fields: older.fields.filter((f) => f.name !== 'jobId' && f.name !== 'asOf'),
  };
  const ids = new Map(AVRO_TOPICS.map((t, i) => [topology.valueSubject(t), 41 + i]));
  const lookups: string[] = [];
  return {
    lookups,
    async getLatestSchemaId(subject) {
      lookups.push(subject);
      const id = ids.get(subject);
      if (id === undefined) throw new Error(`no subject ${subject}`);
      return id;
    },
    async getSchema(id) {
      if (id === 7) return olderSchema;
      throw new Error(`unknown id ${id}`);
    },
  };
}

const request: RecalcRequest = {
  contractId: 'c1',
  cause: 'market',
  version: 2 ** 50,
  marketObjectCode: 'USD.SOFR',
  asOf: null,
  jobId: 'j1',
  requestedAtMs: 1_795_000_000_000,
};

describe('AvroCodec', () => {
  it('maps each Avro topic to the record the topology declares', () => {
    for (const t of AVRO_TOPICS) expect(topology.topic(t).value.format).toBe('avro');
    expect(
      topology.topics
        .filter((t) => t.value.format === 'avro')
        .map((t) => t.id)
        .sort(),
    ).toEqual([...AVRO_TOPICS].sort());
  });

  it('writes the Confluent wire format (magic 0, schema id, Avro body) and reads it back', async () => {
    const registry = fakeRegistry();
    const codec = new AvroCodec(registry, topology);
    const wire = await codec.encode('recalcRequests', request);
    expect(wire.readUInt8(0)).toBe(0);
    expect(wire.readUInt32BE(1)).toBe(41 + AVRO_TOPICS.indexOf('recalcRequests'));
    expect(await codec.decode('recalcRequests', wire)).toEqual(request);
    await codec.encode('recalcRequests', request);
    expect(registry.lookups).toEqual(['cashflow.recalc-requests-value']); // looked up once
  });

  it('reads a message written with an older schema, filling new fields with their defaults', async () => {
    const codec = new AvroCodec(fakeRegistry(), topology);
    const avro = (await import('avsc')).default;
    const older = avro.Type.forSchema((await fakeRegistry().getSchema(7)) as never);
    const { jobId: _j, asOf: _a, ...oldValue } = request;
    const body = older.toBuffer(oldValue);
    const wire = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), body]);
    expect(await codec.decode('recalcRequests', wire)).toEqual({ ...request, jobId: null, asOf: null });
  });

  it('names the offending fields of a value that does not match', async () => {
    const codec = new AvroCodec(fakeRegistry(), topology);
    const bad = { ...request, version: 'seven', cause: 'whim' } as unknown as RecalcRequest;
    await expect(codec.encode('recalcRequests', bad)).rejects.toThrow(AvroEncodeError);
    await expect(codec.encode('recalcRequests', bad)).rejects.toThrow(/cause.*version|version.*cause/);
  });

  it('refuses a message that is not in the wire format', async () => {
    const codec = new AvroCodec(fakeRegistry(), topology);
    await expect(codec.decode('contractTerms', Buffer.from('{"json":true}'))).rejects.toThrow(
      AvroDecodeError,
    );
  });
});
