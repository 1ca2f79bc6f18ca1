// The runner with a fake consumer, producer and codec: commit after effects, retries that block
// and never skip, poison set aside record by record, state order.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { MessageTooLargeError, ServiceUnavailableError } from '../clients/errors.js';
import type { Consumer, Producer } from '../clients/kafka.js';
import type { AvroCodec } from '../clients/schema-registry.js';
import { loadConfig } from '../config/config.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { emptyWrites } from '../state/model.js';
import { StateLostError } from '../state/readiness.js';
import { buildTopology } from '../topology/topology.js';
import { PipelineMetrics } from './metrics.js';
import type { ProcessorDefinition } from './processor.js';
import { nextOffset, ProcessorRunner, type RunnerServices } from './runner.js';

const topology = buildTopology({ database: 'db', schema: 'public', prefix: 't.' });

function harness(
  definition: ProcessorDefinition,
  failures: { produce?: number; env?: Record<string, string>; maxMessageBytes?: number } = {},
) {
  const log: string[] = [];
  let eachBatch: KafkaJS.EachBatchHandler | undefined;
  const consumer = {
    subscribe: async () => {},
    run: async (c: KafkaJS.ConsumerRunConfig) => {
      eachBatch = c.eachBatch;
    },
    commitOffsets: async (o: { topic: string; partition: number; offset: string }[]) => {
      log.push(`commit ${o[0].topic}/${o[0].partition}@${o[0].offset}`);
    },
    disconnect: async () => {},
  } as unknown as Consumer;
  let produceFailures = failures.produce ?? 0;
  const sent: { topic: string; key: string; headers?: Record<string, unknown>; value: Buffer }[] = [];
  let sends = 0;
  const producer = {
    sendBatch: async (b: KafkaJS.ProducerBatch) => {
      sends++;
      if (produceFailures-- > 0) throw new Error('broker: all brokers down');
      // as librdkafka refuses a message over message.max.bytes (code 10), classified by the
      // producer of clients/kafka.ts
      const limit = failures.maxMessageBytes;
      if (limit !== undefined && b.topicMessages!.some((t) => t.messages.some((m) => (m.value as Buffer).length > limit)))
        throw new MessageTooLargeError(Object.assign(new Error('Broker: Message size too large'), { code: 10 }));
      for (const t of b.topicMessages ?? [])
        for (const m of t.messages) sent.push({ topic: t.topic, key: String(m.key), headers: m.headers as Record<string, unknown>, value: m.value as Buffer });
      log.push(`produce ${b.topicMessages!.map((t) => `${t.topic}×${t.messages.length}`).join(',')}`);
      return [];
    },
  } as unknown as Producer;
  const codec = {
    decode: async (_t: string, b: Buffer) => {
      if (b.toString() === 'garbage') throw Object.assign(new Error('cannot decode'), { name: 'AvroDecodeError' });
      return JSON.parse(b.toString());
    },
    encoder: async () => (v: unknown) => Buffer.from(JSON.stringify(v)),
  } as unknown as AvroCodec;
  const store = new MemoryStateStore();
  const apply = store.apply.bind(store);
  store.apply = async (w) => {
    log.push('state');
    return apply(w);
  };
  const services: RunnerServices = {
    config: loadConfig(failures.env ?? {}),
    topology,
    producer,
    codec,
    store,
    metrics: new PipelineMetrics(),
    database: () => Promise.reject(new Error('none')),
    log: () => {},
    now: () => 1,
    backoff: { initialMs: 1, maxMs: 5 },
  };
  const runner = new ProcessorRunner(definition, services, async () => consumer);
  const batch = async (values: string[], firstOffset = 10) => {
    let resolved: string | undefined;
    await eachBatch!({
      batch: {
        topic: topology.topic('recalcRequests').name,
        partition: 3,
        highWatermark: '100',
        messages: values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), offset: String(firstOffset + i), timestamp: '0', attributes: 0, headers: {} })),
        isEmpty: () => false,
        firstOffset: () => null,
        lastOffset: () => '0',
        offsetLag: () => '0',
        offsetLagLow: () => '0',
      },
      resolveOffset: (o: string) => {
        resolved = o;
      },
      heartbeat: async () => {},
      pause: () => () => {},
      commitOffsetsIfNecessary: async () => {},
      isRunning: () => true,
      isStale: () => false,
    });
    return resolved;
  };
  return { runner, batch, log, sent, store, services, sends: () => sends };
}

const passThrough = (stateOrder: ProcessorDefinition['stateOrder'], poison?: (id: string) => boolean): ProcessorDefinition => ({
  name: 'calculator',
  stateOrder,
  async process(records) {
    const writes = emptyWrites();
    for (const r of records) {
      const v = r.value as { contractId: string };
      if (poison?.(v.contractId)) throw new Error(`cannot handle ${v.contractId}`);
      writes.published.push({ contractId: v.contractId, fingerprint: 'f', version: 1, status: 'computed' });
    }
    return {
      outputs: records.map((r) => ({ topic: 'contractCashflows' as const, key: (r.value as { contractId: string }).contractId, value: r.value as never })),
      writes,
      deadLetters: [],
    };
  },
});

const req = (id: string) => JSON.stringify({ contractId: id });

describe('ProcessorRunner', () => {
  it('produces, writes state, then commits the next offset and resolves the batch', async () => {
    const h = harness(passThrough('after-outputs'));
    await h.runner.start();
    expect(await h.batch([req('a'), req('b')])).toBe('11');
    expect(h.log).toEqual(['produce t.cashflow.contract-cashflows×2', 'state', 'commit t.cashflow.recalc-requests/3@12']);
    const ordered = harness(passThrough('before-outputs'));
    await ordered.runner.start();
    await ordered.batch([req('a')]);
    expect(ordered.log).toEqual(['state', 'produce t.cashflow.contract-cashflows×1', 'commit t.cashflow.recalc-requests/3@11']);
  });

  it('retries a failing broker with backoff and commits only once the outputs are acknowledged', async () => {
    const h = harness(passThrough('after-outputs'), { produce: 3 });
    await h.runner.start();
    expect(await h.batch([req('a')])).toBe('10');
    expect(h.log).toEqual(['produce t.cashflow.contract-cashflows×1', 'state', 'commit t.cashflow.recalc-requests/3@11']);
    expect((await h.services.metrics.retries.get()).values[0].value).toBe(3);
    // a send failure no adapter named is counted as `other`, as it always was
    const byComponent = (await h.services.metrics.dependencyErrors.get()).values.map((v) => [v.labels.component, v.value]);
    expect(byComponent).toEqual([['other', 3]]);
  });

  it('retries only the effects of a batch whose process() succeeded: process() runs once', async () => {
    const def = passThrough('after-outputs');
    const process = def.process;
    let calls = 0;
    def.process = async (r, c) => (calls++, process(r, c));
    const h = harness(def, { produce: 3 });
    await h.runner.start();
    expect(await h.batch([req('a'), req('b')])).toBe('11');
    expect(calls).toBe(1);
    expect(h.sent.map((s) => s.key)).toEqual(['a', 'b']);
  });

  it('dead-letters a record whose output the broker refuses as too large, with the client error\'s type', async () => {
    const h = harness(passThrough('after-outputs'), { maxMessageBytes: 1_000 });
    await h.runner.start();
    const big = JSON.stringify({ contractId: 'big', pad: 'p'.repeat(2_000) });
    expect(await h.batch([req('a'), big])).toBe('11');
    const dl = h.sent.filter((s) => s.topic === 't.cashflow.dead-letter');
    expect(dl.map((d) => [d.key, d.headers!.reason, d.headers!['error.type']])).toEqual([['k1', 'Broker: Message size too large', 'Error']]);
    expect(h.sent.filter((s) => s.topic === 't.cashflow.contract-cashflows').map((s) => s.key)).toEqual(['a']);
  });

  it('sets poison aside record by record: dead letters with headers, the rest processed, then the commit', async () => {
    const h = harness(passThrough('after-outputs', (id) => id === 'bad'));
    await h.runner.start();
    await h.batch([req('a'), 'garbage', req('bad'), req('c')]);
    const dl = h.sent.filter((s) => s.topic === 't.cashflow.dead-letter');
    expect(dl.map((d) => [d.key, d.headers!.reason, d.headers!['error.type'], d.headers!['original.offset'], d.headers!['original.partition'], d.headers!.processor])).toEqual([
      ['k1', 'cannot decode', 'AvroDecodeError', '11', '3', 'calculator'],
      ['k2', 'cannot handle bad', 'Error', '12', '3', 'calculator'],
    ]);
    expect(h.sent.filter((s) => s.topic === 't.cashflow.contract-cashflows').map((s) => s.key)).toEqual(['a', 'c']);
    expect(h.log.at(-1)).toBe('commit t.cashflow.recalc-requests/3@14');
  });

  it('keeps retrying a retriable processing fault (Redis down) instead of dead-lettering', async () => {
    let failures = 4;
    const def = passThrough('after-outputs');
    const process = def.process;
    def.process = async (r, c) => {
      if (failures-- > 0) throw new ServiceUnavailableError('redis', 'state store', 'connection refused');
      return process(r, c);
    };
    const h = harness(def);
    await h.runner.start();
    await h.batch([req('a')]);
    expect(h.sent.map((s) => s.topic)).toEqual(['t.cashflow.contract-cashflows']);
    // counted by the component that failed (the sink's database alert reads this)
    const byComponent = (await h.services.metrics.dependencyErrors.get()).values.map((v) => [v.labels.processor, v.labels.component, v.value]);
    expect(byComponent).toEqual([['calculator', 'redis', 4]]);
  });

  describe('dead letters are bounded', () => {
    // a processor that rejects every record with a long reason, as the engine does for a row
    // with thousands of offending terms
    const rejectAll = (reason: string): ProcessorDefinition => ({
      name: 'contract-ingest',
      stateOrder: 'before-outputs',
      async process(records) {
        return { outputs: [], writes: emptyWrites(), deadLetters: records.map((record) => ({ record, reason, errorType: 'InvalidTermsError' })) };
      },
    });
    const deadLetterOf = (s: { value: Buffer }) => JSON.parse(s.value.toString()) as Record<string, unknown>;
    const bigValue = JSON.stringify({ contractId: 'x', pad: 'p'.repeat(300_000) });

    it('keeps a value up to the limit whole; beyond it, its length and SHA-256 instead; the reason cut to 500 characters', async () => {
      const reason = `invalid terms: ${'notionalPrincipal must be a number; '.repeat(200)}`;
      const h = harness(rejectAll(reason));
      await h.runner.start();
      const small = JSON.stringify({ contractId: 's' });
      expect(await h.batch([small, bigValue])).toBe('11');
      const [kept, omitted] = h.sent.map(deadLetterOf);
      // the small value: whole (Buffer as JSON.stringify writes it), its length and hash beside
      expect(Buffer.from((kept.originalValue as { data: number[] }).data).toString()).toBe(small);
      expect(kept.originalValueBytes).toBe(small.length);
      // the large one: 300,027 bytes > 262,144 (the default limit)
      expect(omitted.originalValue).toBeNull();
      expect(omitted.originalValueBytes).toBe(300_027);
      expect(omitted.originalValueSha256).toBe(createHash('sha256').update(bigValue).digest('hex'));
      expect(h.sent[1].headers!['original.value.omitted']).toBe('over 262144 bytes');
      expect(h.sent[1].headers!['original.value.sha256']).toBe(omitted.originalValueSha256);
      for (const s of h.sent) {
        const r = deadLetterOf(s).reason as string;
        expect(r.length).toBe(500);
        expect(r.startsWith('invalid terms: notionalPrincipal must be a number; ')).toBe(true);
        expect(r).toMatch(/… \(\d+ more characters cut\)$/);
        expect(s.headers!.reason).toBe(r);
      }
      expect(h.log.at(-1)).toBe('commit t.cashflow.recalc-requests/3@12');
    });

    it('CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES sets the limit', async () => {
      const h = harness(rejectAll('no'), { env: { CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES: '10' } });
      await h.runner.start();
      await h.batch(['{"contractId":"ab"}']); // 19 bytes
      expect(deadLetterOf(h.sent[0])).toMatchObject({ originalValue: null, originalValueBytes: 19 });
    });

    it('a dead letter the broker refuses as too large is sent once more without its value, not retried forever', async () => {
      // the limit allows the value whole (1 MB), the broker takes at most 100 KB per message
      const h = harness(rejectAll('no'), { env: { CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES: String(1 << 20) }, maxMessageBytes: 100_000 });
      await h.runner.start();
      expect(await h.batch([bigValue])).toBe('10');
      expect(h.sends()).toBe(2);
      expect(h.sent).toHaveLength(1);
      expect(deadLetterOf(h.sent[0])).toMatchObject({ originalValue: null, originalValueBytes: 300_027, reason: 'no' });
      expect(h.sent[0].headers!['original.value.omitted']).toBe('refused as too large');
      expect(h.log.at(-1)).toBe('commit t.cashflow.recalc-requests/3@11');
    });
  });

  it('nextOffset is last + 1 beyond 2^53', () => {
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });
});

describe('ProcessorRunner on lost Redis state (state/readiness.ts, state/healing.ts)', () => {
  it('holds a batch whose reads met StateLostError until the healer is done, then does it: nothing dead-lettered, committed once', async () => {
    const steps: string[] = [];
    let lost = 2; // the first two attempts find the marker missing
    const def = passThrough('after-outputs');
    const process = def.process;
    def.process = async (r, c) => {
      if (lost-- > 0) {
        steps.push('read: marker missing');
        throw new StateLostError();
      }
      steps.push('read: ready');
      return process(r, c);
    };
    const h = harness(def);
    h.services.healer = {
      heal: async () => {
        steps.push('heal');
      },
    };
    await h.runner.start();
    expect(await h.batch([req('a')])).toBe('10');
    expect(steps).toEqual(['read: marker missing', 'heal', 'read: marker missing', 'heal', 'read: ready']);
    expect(h.sent.map((s) => s.topic)).toEqual(['t.cashflow.contract-cashflows']);
    expect(h.log.filter((l) => l.startsWith('commit'))).toEqual(['commit t.cashflow.recalc-requests/3@11']);
  });

  it('after the outputs are out, a failed state write is retried with the same outcome: what the state records is what was published', async () => {
    // The calculator's version is "last published + 1" when its inputs carry no newer position,
    // read from the state: if a retry computed again (inputs may have moved meanwhile) and sent a
    // second schedule under the first one's version, the sink (which replaces only for a newer
    // version) would keep the first, and the state would record the second.
    let computed = 0;
    const def: ProcessorDefinition = {
      name: 'calculator',
      stateOrder: 'after-outputs',
      async process() {
        const fingerprint = `f${++computed}`;
        const writes = emptyWrites();
        writes.published.push({ contractId: 'a', fingerprint, version: 1, status: 'computed' });
        return { outputs: [{ topic: 'contractCashflows', key: 'a', value: { contractId: 'a', fingerprint } as never }], writes, deadLetters: [] };
      },
    };
    const h = harness(def);
    let stateFailures = 2;
    const apply = h.store.apply.bind(h.store);
    h.store.apply = async (w) => {
      if (stateFailures-- > 0) throw new ServiceUnavailableError('redis', 'state store', 'connection reset');
      return apply(w);
    };
    await h.runner.start();
    await h.batch([req('a')]);
    expect(computed).toBe(1);
    const sent = h.sent.filter((s) => s.topic === 't.cashflow.contract-cashflows').map((s) => (JSON.parse(s.value.toString()) as { fingerprint: string }).fingerprint);
    expect([...new Set(sent)]).toEqual(['f1']); // the one schedule (sent again on each retry: the same message)
    expect((await h.store.published(['a'])).get('a')?.fingerprint).toBe('f1');
  });

  it('does a before-outputs batch again when the marker is gone after its outputs (a flush between its state write and its outputs)', async () => {
    const def = passThrough('before-outputs');
    const process = def.process;
    let computed = 0;
    def.process = (r, c) => (computed++, process(r, c));
    const h = harness(def);
    let checks = 0;
    const apply = h.store.apply.bind(h.store);
    Object.assign(h.store, {
      // a checking store returns the marker it read after the writes; the check after the outputs compares with it
      apply: async (w: Parameters<typeof apply>[0]) => (await apply(w), `marker-${checks + 1}`),
      confirmReady: async (since?: string) => {
        h.log.push(`confirm ${since}`);
        if (checks++ === 0) throw new StateLostError('the state was rebuilt after this batch wrote to it');
      },
    });
    let heals = 0;
    h.services.healer = { heal: async () => void heals++ };
    await h.runner.start();
    await h.batch([req('a')]);
    expect(heals).toBe(1);
    expect(computed).toBe(2); // what it read before the loss is gone: computed again after the heal
    expect(h.log).toEqual([
      'state',
      'produce t.cashflow.contract-cashflows×1',
      'confirm marker-1',
      'state', // again after the heal: the write may have been flushed away
      'produce t.cashflow.contract-cashflows×1',
      'confirm marker-2',
      'commit t.cashflow.recalc-requests/3@11',
    ]);
  });

  it('backs off and asks again when the heal fails (Kafka down during the rebuild), never skipping the batch', async () => {
    let lost = 3;
    const def = passThrough('after-outputs');
    const process = def.process;
    def.process = async (r, c) => {
      if (lost-- > 0) throw new StateLostError();
      return process(r, c);
    };
    const h = harness(def);
    let heals = 0;
    h.services.healer = {
      heal: async () => {
        if (heals++ < 2) throw new Error('kafka unreachable');
      },
    };
    await h.runner.start();
    expect(await h.batch([req('a')])).toBe('10');
    expect(heals).toBe(3);
    expect(h.sent.map((s) => s.topic)).toEqual(['t.cashflow.contract-cashflows']);
    expect((await h.services.metrics.retries.get()).values[0].value).toBe(2); // the two failed heals backed off
  });
});
