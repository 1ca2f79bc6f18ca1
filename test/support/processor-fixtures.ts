// Builders of input records for the processors' unit tests (no Kafka, no Redis).
import type { ChangeEvent, ChangeOp, Row } from '../../processors/cdc.js';
import type { InputRecord, ProcessorContext } from '../../processors/processor.js';
import type { TopicId } from '../../topology/topology.js';
import type { StateReader } from '../../state/model.js';

let offset = 0;

export function cdcRecord(topic: TopicId, op: ChangeOp, row: Row, position: number, committedAtMs = 1_700_000_000_000): InputRecord {
  const change: ChangeEvent = {
    op,
    before: op === 'c' || op === 'r' ? null : row,
    after: op === 'd' ? null : row,
    position,
    // PostgreSQL-shaped exact order (16 hex digits of the LSN)
    order: position.toString(16).padStart(16, '0'),
    committedAtMs,
    table: String(topic),
  };
  return base(topic, change, null);
}

export function avroRecord(topic: TopicId, key: string, value: unknown): InputRecord {
  return { ...base(topic, null, value), key, rawKey: Buffer.from(key) };
}

function base(topic: TopicId, change: ChangeEvent | null, value: unknown): InputRecord {
  const o = String(offset++);
  return {
    topic,
    topicName: `t.${topic}`,
    partition: 0,
    offset: o,
    key: null,
    rawKey: null,
    rawValue: Buffer.from('raw'),
    timestampMs: 0,
    change,
    value,
  };
}

export function context(state: StateReader, now = 1_700_000_001_000): ProcessorContext {
  return {
    state,
    now: () => now,
    horizon: 'P30Y',
    database: () => Promise.reject(new Error('no database in unit tests')),
  };
}

/** An input record carrying a change event as decoded from the CDC topic (real Debezium envelopes). */
export function changeRecord(topic: TopicId, change: ChangeEvent): InputRecord {
  return base(topic, change, null);
}
