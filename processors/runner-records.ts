// The runner's records: a consumed message decoded by its topic's format (Debezium JSON or Avro
// through the registry), the raw record of one that cannot be, and the offset committed after a
// batch (docs/runner.md "A batch").
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { AvroCodec, AvroTopicId } from '../clients/schema-registry.js';
import type { TopicId, Topology } from '../topology/topology.js';
import { decodeChangeEvent } from './cdc.js';
import type { InputRecord } from './processor.js';

/** A consumed message as eachBatch hands it over. */
export type KafkaMessage = { key: Buffer | null; value: Buffer | null; offset: string; timestamp: string; headers?: KafkaJS.IHeaders };

/** The message of `topic` as a record, undecoded (change and value null). */
export function rawRecord(topology: Topology, topic: TopicId, partition: number, message: Omit<KafkaMessage, 'headers'>): InputRecord {
  return {
    topic,
    topicName: topology.topic(topic).name,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    rawKey: message.key,
    rawValue: message.value,
    timestampMs: Number(message.timestamp),
    change: null,
    value: null,
  };
}

/** Decodes one message of `topic`; throws (poison) when it cannot be decoded. */
export async function decodeRecord(
  topology: Topology,
  codec: AvroCodec,
  topic: TopicId,
  partition: number,
  message: Omit<KafkaMessage, 'headers'>,
): Promise<InputRecord> {
  const spec = topology.topic(topic);
  const record = rawRecord(topology, topic, partition, message);
  if (spec.value.format === 'debezium-json') record.change = decodeChangeEvent(message.value);
  else if (message.value && message.value.length > 0) record.value = await codec.decode(topic as AvroTopicId, message.value);
  return record;
}

/** The next offset to consume after `offset` (offsets exceed 2^53 only in theory: use BigInt). */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
