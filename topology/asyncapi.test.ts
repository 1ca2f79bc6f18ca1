import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { avroSchema } from '../schemas/avro.js';
import { asyncApiDocument } from './asyncapi.js';
import { buildTopology } from './topology.js';

const topology = buildTopology({ database: 'cashflow', schema: 'public' });
const doc = asyncApiDocument(topology, { version: '0.7.0' });
const errorsOf = async (d: unknown) => {
  const { diagnostics } = await new Parser().parse(JSON.stringify(d));
  return diagnostics.filter((x) => x.severity <= DiagnosticSeverity.Warning).map((x) => `${x.path.join('.')}: ${x.message}`);
};
type Any = Record<string, any>;

describe('the AsyncAPI document', () => {
  it('is valid AsyncAPI 3 for @asyncapi/parser, without errors or warnings', async () => {
    const { document } = await new Parser().parse(JSON.stringify(doc));
    expect(await errorsOf(doc)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().all().map((c) => c.address()).sort()).toEqual(topology.topics.map((t) => t.name).sort());
  });

  it('is refused by the parser when an operation names a channel that is not there (the check can fail)', async () => {
    const broken = structuredClone(doc) as Any;
    broken.operations['calculator.send.contractCashflows'].channel = { $ref: '#/channels/nowhere' };
    expect((await errorsOf(broken)).length).toBeGreaterThan(0);
  });

  it("describes every topic as the topology declares it: key, Avro value schema, compaction, partitions", () => {
    const channels = doc.channels as Any;
    const messages = (doc.components as Any).messages as Any;
    for (const t of topology.topics) {
      const kafka = channels[t.id].bindings.kafka;
      expect(kafka.topic).toBe(t.name);
      expect(kafka.partitions).toBe(t.partitions);
      expect(kafka.topicConfiguration['cleanup.policy']).toEqual([t.compacted ? 'compact' : 'delete']);
      expect(kafka.topicConfiguration['retention.ms']).toBe(t.retentionMs);
      if (t.value.format === 'avro') {
        const m = messages[t.value.record];
        expect(m.payload.schema).toEqual(avroSchema(t.value.record));
        expect(m.bindings.kafka.key.type).toBe('string');
      }
    }
    expect(channels.contractCashflows.address).toBe('cashflow.contract-cashflows');
    expect(channels.contractCashflows.bindings.kafka.topicConfiguration['cleanup.policy']).toEqual(['compact']);
    expect(messages.ContractCashflows.bindings.kafka.key.description).toMatch(/contract id/);
  });

  it('names who produces and who consumes each topic', () => {
    const ops = Object.entries(doc.operations as Any).map(([id, o]) => `${id} ${o.action} ${o.channel.$ref}`);
    expect(ops).toContain('calculator.send.contractCashflows send #/channels/contractCashflows');
    expect(ops).toContain('sink.receive.contractCashflows receive #/channels/contractCashflows');
    expect(ops).toContain('verifier.receive.contractCashflows receive #/channels/contractCashflows');
    expect(ops).toContain('debezium.send.cdcContracts send #/channels/cdcContracts');
    expect(ops).toContain('api.send.apiJobs send #/channels/apiJobs');
    expect(ops).toContain('job-worker.receive.apiJobs receive #/channels/apiJobs');
    expect(ops).toContain('impact.receive.jobs receive #/channels/jobs');
    // one send per producer and one receive per processor input, nothing else
    const expected =
      topology.topics.reduce((n, t) => n + t.producedBy.length, 0) +
      topology.processors.reduce((n, p) => n + p.inputs.length, 0);
    expect(ops).toHaveLength(expected);
  });
});
