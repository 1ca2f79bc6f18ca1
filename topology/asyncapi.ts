// The contract for downstream consumers: an AsyncAPI 3.0 document (https://www.asyncapi.com/docs/reference/specification/v3.0.0)
// generated from the topology and the Avro schemas, served by the API at /asyncapi.json and
// explained in docs/consumers.md. One channel per topic with its Kafka binding (partitions,
// compaction, retention: kafka bindings 0.5.0), one message per value schema (the .avsc itself
// as the payload, with the key's format), one operation per producer and per consumer.
// Pure: no broker or registry is asked; the document names no server (it is public, like
// /openapi.json, and each environment has its own brokers).
import { AVRO_FILES, avroSchema } from '../schemas/avro.js';
import type { KeyKind, ProcessorName, TopicSpec, Topology } from './topology.js';

/** The Avro schema format of AsyncAPI 3 (the registry's schemas are Avro 1.11-compatible). */
export const AVRO_SCHEMA_FORMAT = 'application/vnd.apache.avro;version=1.9.0';
const KAFKA_BINDING = '0.5.0';

/** What a key holds, in words (KeyKind). */
const KEY_DESCRIPTIONS: Record<KeyKind, string> = {
  'contract-id': 'the contract id (UTF-8 string): one contract, one partition, in order',
  'market-observation': '`<market object code>|<observed at>` (UTF-8 string): compaction keeps every observation',
  'job-id': 'the job id (UTF-8 string)',
  'position-id': 'the position id (UTF-8 string): compaction keeps each position\'s latest state',
  'job-chunk': '`<job id>|<chunk>` (UTF-8 string): a job\'s chunks spread over every partition',
  original: 'the key of the message set aside, unchanged',
  'debezium-primary-key': "the source row's primary key as Debezium JSON",
};

type Json = Record<string, unknown>;
type Party = ProcessorName | 'debezium' | 'cli' | 'api';

/** `cashflow.contract-cashflows` → `contractCashflows`: the topic id is the channel id. */
const channelRef = (t: TopicSpec) => ({ $ref: `#/channels/${t.id}` });
const messageName = (t: TopicSpec) => (t.value.format === 'avro' ? t.value.record : `${t.id}Change`);

/** The message of topic `t`'s values, which the topics `carriers` carry (t among them). */
function message(t: TopicSpec, carriers: readonly TopicSpec[]): Json {
  const key = { type: 'string', description: KEY_DESCRIPTIONS[t.key.kind] };
  if (t.value.format === 'avro') {
    const schema = avroSchema(t.value.record);
    return {
      name: t.value.record,
      title: t.value.record,
      summary: schema.doc ?? t.description,
      contentType: 'application/octet-stream',
      description: `Avro (schemas/avro/${AVRO_FILES[t.value.record]}) in the registry's wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro binary. Subject ${carriers.map((c) => `\`${c.name}-value\``).join(', ')}, BACKWARD compatible.`,
      payload: { schemaFormat: AVRO_SCHEMA_FORMAT, schema },
      bindings: {
        kafka: { key, schemaIdLocation: 'payload', schemaIdPayloadEncoding: 'confluent', bindingVersion: KAFKA_BINDING },
      },
    };
  }
  return {
    name: messageName(t),
    title: `${t.value.table} change`,
    summary: t.description,
    contentType: 'application/json',
    description: `A Debezium change event of table \`${t.value.table}\`: Kafka Connect's JsonConverter with schemas, \`{"schema", "payload"}\`, the payload holding \`op\` (c/u/d/r), \`before\`, \`after\` and \`source\`; a null value (tombstone) follows each delete. The key is likewise \`{"schema", "payload"}\` of the primary key.`,
    payload: {
      type: 'object',
      properties: {
        schema: { type: 'object' },
        payload: { type: 'object', properties: { op: { type: 'string', enum: ['c', 'u', 'd', 'r'] }, before: {}, after: {}, source: { type: 'object' } } },
      },
    },
    bindings: { kafka: { key, bindingVersion: KAFKA_BINDING } },
  };
}

function channel(t: TopicSpec): Json {
  const topicConfiguration: Json = {
    'cleanup.policy': [t.compacted ? 'compact' : 'delete'],
    'retention.ms': t.retentionMs,
  };
  return {
    address: t.name,
    title: t.name,
    description: `${t.description}. ${t.compacted ? 'Compacted: the latest value per key is kept forever, so a consumer can rebuild its state by reading from the beginning.' : `Deleted after ${Math.round(t.retentionMs / 86_400_000)} days.`}`,
    messages: { [messageName(t)]: { $ref: `#/components/messages/${messageName(t)}` } },
    bindings: { kafka: { topic: t.name, partitions: t.partitions, topicConfiguration, bindingVersion: KAFKA_BINDING } },
  };
}

const PARTY_DESCRIPTIONS: Record<Exclude<Party, ProcessorName>, string> = {
  debezium: 'Debezium (Kafka Connect) capturing the source database',
  cli: 'the `cashflow` command line',
  api: 'the HTTP API (`cashflow serve`)',
};

export interface AsyncApiOptions {
  /** The document's version: the package's. */
  version: string;
}

/** The AsyncAPI 3.0 document of this topology. */
export function asyncApiDocument(topology: Topology, options: AsyncApiOptions): Json {
  const channels: Json = {};
  const messages: Json = {};
  const operations: Json = {};
  const describe = (party: Party) =>
    party in PARTY_DESCRIPTIONS
      ? PARTY_DESCRIPTIONS[party as keyof typeof PARTY_DESCRIPTIONS]
      : `the ${party} processor (consumer group \`${topology.processor(party as ProcessorName).consumerGroup}\`): ${topology.processor(party as ProcessorName).description}`;
  const operation = (action: 'send' | 'receive', party: Party, t: TopicSpec) => {
    operations[`${party}.${action}.${t.id}`] = {
      action,
      title: `${party} ${action === 'send' ? 'produces to' : 'consumes'} ${t.name}`,
      description: describe(party),
      channel: channelRef(t),
      messages: [{ $ref: `#/channels/${t.id}/messages/${messageName(t)}` }],
      tags: [{ name: party }],
    };
  };
  for (const t of topology.topics) {
    channels[t.id] = channel(t);
    messages[messageName(t)] = message(t, topology.topics.filter((x) => messageName(x) === messageName(t)));
    for (const producer of t.producedBy) operation('send', producer, t);
  }
  for (const p of topology.processors) for (const input of p.inputs) operation('receive', p.name, topology.topic(input));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'cashflow topics',
      version: options.version,
      description:
        "The Kafka topics of the ACTUS cash flow pipeline: what each holds, its key, its Avro value schema (registered as `<topic>-value`, BACKWARD compatible), whether it is compacted, and who produces and consumes it. Downstream consumers read `cashflow.contract-cashflows` (docs/consumers.md).",
    },
    defaultContentType: 'application/octet-stream',
    channels,
    operations,
    components: { messages },
  };
}
