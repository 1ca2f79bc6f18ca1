import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { RECORD_NAMES } from '../schemas/avro.js';
import { renderMermaid, renderText } from './render.js';
import { buildTopology, CONTRACT_PARTITIONS, topologyFromConfig } from './topology.js';

const topology = buildTopology({ database: 'cashflow', schema: 'public' });

describe('topology', () => {
  it('names CDC topics cdc.<database>.<schema>.<table> and our own topics cashflow.<what>', () => {
    expect(topology.topic('cdcContracts').name).toBe('cdc.cashflow.public.contracts');
    expect(topology.topic('cdcMarketData').name).toBe('cdc.cashflow.public.market_data');
    expect(topology.topic('cdcObservedEvents').name).toBe('cdc.cashflow.public.observed_events');
    const mssql = topologyFromConfig(
      loadConfig({ DATABASE_DIALECT: 'mssql', DATABASE_URL: 'mssql://sa@db:1433/books' }),
      {},
      {},
    );
    expect(mssql.topic('cdcPositions').name).toBe('cdc.books.dbo.positions');
    for (const t of topology.topics.filter((x) => x.value.format === 'avro'))
      expect(t.name).toMatch(/^cashflow\.[a-z-]+$/);
    expect(topology.topic('recalcRequests').name).toBe('cashflow.recalc-requests');
    expect(topology.topic('deadLetter').name).toBe('cashflow.dead-letter');
  });

  it('gives every topic keyed by contract id the same partition count (invariant 1)', () => {
    const keyed = topology.topics.filter((t) => t.key.kind === 'contract-id');
    expect(keyed.map((t) => t.id).sort()).toEqual(['contractCashflows', 'contractTerms', 'recalcRequests']);
    expect(new Set(keyed.map((t) => t.partitions))).toEqual(new Set([CONTRACT_PARTITIONS]));
  });

  it('compacts every topic that state rebuild reads, and keys market observations by code and time', () => {
    for (const id of ['contractTerms', 'marketObservations', 'contractCashflows', 'positions'] as const) {
      expect(topology.topic(id).compacted, id).toBe(true);
    }
    expect(topology.topic('marketObservations').key.kind).toBe('market-observation');
    expect(topology.topic('deadLetter').key.kind).toBe('original');
    expect(topology.topic('positions').key.kind).toBe('position-id');
    expect(topology.processor('positions-ingest').inputs).toEqual(['cdcPositions']);
  });

  it('connects only declared topics, with Avro values that exist in schemas/avro/', () => {
    const ids = new Set(topology.topics.map((t) => t.id));
    for (const p of topology.processors) {
      for (const id of [...p.inputs, ...p.outputs]) expect(ids.has(id), `${p.name}: ${id}`).toBe(true);
    }
    for (const t of topology.topics) {
      if (t.value.format === 'avro') expect(RECORD_NAMES).toContain(t.value.record);
    }
    expect(topology.processors.map((p) => p.name)).toEqual(
      expect.arrayContaining(['contract-ingest', 'market-ingest', 'impact', 'calculator', 'sink']),
    );
    expect(new Set(topology.processors.map((p) => p.consumerGroup)).size).toBe(topology.processors.length);
  });

  it('applies a prefix to every topic and consumer group (isolated test runs)', () => {
    const t = buildTopology({ database: 'x', schema: 'public', prefix: 'run42.' });
    for (const topic of t.topics) expect(topic.name.startsWith('run42.')).toBe(true);
    for (const p of t.processors) expect(p.consumerGroup.startsWith('run42.')).toBe(true);
    expect(t.valueSubject('contractCashflows')).toBe('run42.cashflow.contract-cashflows-value');
    expect(t.topicNamed('run42.cashflow.jobs')?.id).toBe('jobs');
    expect(t.topicNamed('run42.cashflow.api-jobs')?.id).toBe('apiJobs');
  });

  it("gives the API's jobs a topic of their own: only the job-worker reads it, and only impact the recalculation jobs", () => {
    const readers = (id: 'jobs' | 'apiJobs') => topology.processors.filter((p) => p.inputs.includes(id)).map((p) => p.name);
    expect(readers('apiJobs')).toEqual(['job-worker']);
    expect(readers('jobs')).toEqual(['impact']);
    expect(topology.topic('apiJobs')).toMatchObject({
      name: 'cashflow.api-jobs',
      partitions: CONTRACT_PARTITIONS,
      compacted: false,
      retentionMs: 7 * 24 * 60 * 60 * 1000,
      key: { format: 'string', kind: 'job-chunk' },
      value: { format: 'avro', record: 'JobChunk' },
      producedBy: ['api'],
    });
  });

  it('renders every topic and processor as text and as Mermaid', () => {
    const text = renderText(topology);
    const mermaid = renderMermaid(topology);
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    for (const t of topology.topics) {
      expect(text).toContain(t.name);
      expect(mermaid).toContain(t.name);
    }
    for (const p of topology.processors) {
      expect(text).toContain(p.name);
      expect(mermaid).toContain(`("${p.name}")`);
    }
    expect(text).toContain(
      'cdc.cashflow.public.contracts + cdc.cashflow.public.observed_events → contract-ingest → cashflow.contract-terms\n',
    );
    expect(text).toContain('cashflow.contract-cashflows → sink → database');
  });
});
