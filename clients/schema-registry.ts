// Schema registry client and the Avro codec of our topics (Confluent wire format: magic byte 0,
// 4-byte schema id, Avro binary). Encoding uses our .avsc directly; decoding resolves the
// writer's schema (fetched once per id) to ours, so BACKWARD-compatible evolution just works.
import avro from 'avsc';
import type { Config } from '../config/config.js';
import { avroSchema, avroType } from '../schemas/avro.js';
import { encodeContractCashflows, scanContractCashflows } from '../wire/avro-cashflows.js';
import { decodedSchedule, type Schedule } from '../wire/schedule.js';
import type {
  ContractTerms,
  DeadLetter,
  JobChunk,
  JobEvent,
  MarketObservation,
  Position,
  RecalcRequest,
  RecordName,
} from '../schemas/types.js';
import type { TopicId, Topology } from '../topology/topology.js';
import { requestJson } from './http.js';
import { PoisonRecordError } from './errors.js';

/** Value type of each of our Avro topics (checked against the topology in the tests). */
export interface TopicValues {
  contractTerms: ContractTerms;
  marketObservations: MarketObservation;
  positions: Position;
  recalcRequests: RecalcRequest;
  /** The events left encoded by the decoder, encoded straight from the engine by the calculator (wire/schedule.ts). */
  contractCashflows: Schedule;
  deadLetter: DeadLetter;
  jobs: JobChunk;
  apiJobs: JobChunk;
  jobEvents: JobEvent;
}
export type AvroTopicId = keyof TopicValues & TopicId;

export const AVRO_TOPICS: readonly AvroTopicId[] = [
  'contractTerms',
  'marketObservations',
  'positions',
  'recalcRequests',
  'contractCashflows',
  'deadLetter',
  'jobs',
  'apiJobs',
  'jobEvents',
];

/**
 * The registry's Confluent API, the three calls we make. Not through
 * @kafkajs/confluent-schema-registry: its HTTP layer (mappersmith) reports a failure to connect
 * as an HTTP 400 it invents, and its error wrapper keeps only that status and a message, so a
 * registry that is down could not be told from one that refuses a schema. Through requestJson,
 * a network failure, a timeout or a 5xx is ServiceUnavailableError (retriable: the partition
 * waits), a 4xx from a registry that answered is ComponentRequestError (not retriable).
 */
export class SchemaRegistryClient {
  constructor(
    readonly url: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private get<T>(path: string, timeoutMs = this.timeoutMs): Promise<T> {
    return requestJson<T>('schema-registry', 'GET', `${this.url}${path}`, undefined, { timeoutMs, target: this.url }).then((r) => r.body);
  }

  /** The id of the subject's latest schema. */
  async getLatestSchemaId(subject: string): Promise<number> {
    return (await this.get<{ id: number }>(`/subjects/${encodeURIComponent(subject)}/versions/latest`)).id;
  }

  /** The schema registered under `id`, parsed. */
  async getSchema(id: number): Promise<avro.Schema> {
    return JSON.parse((await this.get<{ schema: string }>(`/schemas/ids/${id}`)).schema) as avro.Schema;
  }

  /** Registers an Avro schema under `subject` (the same schema again gets its existing id). */
  async register(subject: string, schema: unknown): Promise<number> {
    const r = await requestJson<{ id: number }>(
      'schema-registry',
      'POST',
      `${this.url}/subjects/${encodeURIComponent(subject)}/versions`,
      { schema: JSON.stringify(schema) },
      { contentType: 'application/vnd.schemaregistry.v1+json', timeoutMs: this.timeoutMs, target: this.url },
    );
    return r.body.id;
  }

  /** Whether the registry answers within `timeoutMs` (throws the typed error otherwise). */
  async probe(timeoutMs: number): Promise<void> {
    await this.get<unknown>('/subjects', timeoutMs);
  }
}

export function createSchemaRegistry(config: Pick<Config, 'schemaRegistryUrl'>): SchemaRegistryClient {
  return new SchemaRegistryClient(config.schemaRegistryUrl);
}

export interface RegisteredSubject {
  topic: string;
  subject: string;
  record: RecordName;
  id: number;
}

/**
 * Registers the value schema of every Avro topic under `<topic>-value` with BACKWARD
 * compatibility. The subject's level is set first: Apicurio answers NONE for a subject
 * without its own config (its global level is not applied to it then).
 */
export async function registerSchemas(
  config: Pick<Config, 'schemaRegistryUrl'>,
  topology: Topology,
  registry: SchemaRegistryClient = createSchemaRegistry(config),
): Promise<RegisteredSubject[]> {
  const out: RegisteredSubject[] = [];
  for (const topic of topology.topics) {
    if (topic.value.format !== 'avro') continue;
    const subject = topology.valueSubject(topic.id);
    await requestJson(
      'schema-registry',
      'PUT',
      `${config.schemaRegistryUrl}/config/${encodeURIComponent(subject)}`,
      {
        compatibility: 'BACKWARD',
      },
      { contentType: 'application/vnd.schemaregistry.v1+json' },
    );
    const id = await registry.register(subject, avroSchema(topic.value.record));
    out.push({ topic: topic.name, subject, record: topic.value.record, id });
  }
  return out;
}

/**
 * Deletes a subject for good: soft first, then hard (the registry deletes for good only what
 * is soft-deleted already). A subject that is not there (404) is no failure. Whether it was
 * there before.
 */
export async function deleteSubject(config: Pick<Config, 'schemaRegistryUrl'>, subject: string): Promise<boolean> {
  const url = `${config.schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}`;
  const soft = await requestJson('schema-registry', 'DELETE', url, undefined, { accept: [404] });
  await requestJson('schema-registry', 'DELETE', `${url}?permanent=true`, undefined, { accept: [404] });
  return soft.status !== 404;
}

/** What the codec needs from a registry (an interface, so tests can fake it). */
export interface RegistryLookup {
  getLatestSchemaId(subject: string): Promise<number>;
  getSchema(id: number): Promise<unknown>;
}

/** A value its topic's schema refuses: poison, whatever the registry says later. */
export class AvroEncodeError extends PoisonRecordError {
  constructor(
    readonly topic: string,
    readonly paths: string[],
  ) {
    super(`value for ${topic} does not match its Avro schema at ${paths.join(', ') || '(root)'}`);
    this.name = 'AvroEncodeError';
  }
}

/** A message that is not a value of its topic's schema: poison. */
export class AvroDecodeError extends PoisonRecordError {
  constructor(
    readonly topic: string,
    reason: string,
  ) {
    super(`cannot decode a message of ${topic}: ${reason}`);
    this.name = 'AvroDecodeError';
  }
}

/** Encodes and decodes our topics' values in the Confluent wire format. */
export class AvroCodec {
  private readonly ids = new Map<AvroTopicId, Promise<number>>();
  private readonly readers = new Map<string, Promise<avro.Type | avro.Resolver>>();

  constructor(
    private readonly registry: RegistryLookup,
    private readonly topology: Topology,
  ) {}

  private record(topic: AvroTopicId): RecordName {
    const value = this.topology.topic(topic).value;
    if (value.format !== 'avro') throw new Error(`${topic} is not an Avro topic`);
    return value.record;
  }

  /** The registry id of the topic's current value schema (fetched once). */
  schemaId(topic: AvroTopicId): Promise<number> {
    let id = this.ids.get(topic);
    if (!id) {
      id = this.registry.getLatestSchemaId(this.topology.valueSubject(topic)).catch((e) => {
        this.ids.delete(topic);
        throw e;
      });
      this.ids.set(topic, id);
    }
    return id;
  }

  /** A synchronous encoder for hot loops (the schema id is resolved once). */
  async encoder<T extends AvroTopicId>(topic: T): Promise<(value: TopicValues[T]) => Buffer> {
    const id = await this.schemaId(topic);
    const type = avroType(this.record(topic));
    const name = this.topology.topic(topic).name;
    const fast = this.record(topic) === 'ContractCashflows';
    return (value) => {
      if (fast) {
        const encoded = encodeContractCashflows(id, value as Schedule);
        if (encoded) return encoded;
        value = decodedSchedule(value as Schedule) as TopicValues[T]; // avsc writes objects
      }
      let body: Buffer;
      try {
        body = type.toBuffer(value);
      } catch {
        const paths: string[] = [];
        type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
        throw new AvroEncodeError(name, paths);
      }
      const header = Buffer.alloc(5);
      header.writeUInt8(0, 0);
      header.writeUInt32BE(id, 1);
      return Buffer.concat([header, body]);
    };
  }

  async encode<T extends AvroTopicId>(topic: T, value: TopicValues[T]): Promise<Buffer> {
    return (await this.encoder(topic))(value);
  }

  async decode<T extends AvroTopicId>(topic: T, message: Buffer): Promise<TopicValues[T]> {
    const name = this.topology.topic(topic).name;
    if (message.length < 5 || message.readUInt8(0) !== 0)
      throw new AvroDecodeError(name, 'not in the Confluent wire format');
    const id = message.readUInt32BE(1);
    const reader = avroType(this.record(topic));
    const key = `${topic}:${id}`;
    let resolver = this.readers.get(key);
    if (!resolver) {
      resolver = (async () => {
        const ours = await this.schemaId(topic).catch(() => -1);
        if (id === ours) return reader;
        const writerType = avro.Type.forSchema((await this.registry.getSchema(id)) as avro.Schema);
        return reader.createResolver(writerType);
      })();
      resolver.catch(() => this.readers.delete(key));
      this.readers.set(key, resolver);
    }
    const r = await resolver;
    try {
      // the events stay Avro bytes until read: the sink copies them into PostgreSQL from there
      if (r === reader && this.record(topic) === 'ContractCashflows') return scanContractCashflows(message) as TopicValues[T];
      return (
        r === reader
          ? reader.fromBuffer(message.subarray(5))
          : reader.fromBuffer(message.subarray(5), r as avro.Resolver)
      ) as TopicValues[T];
    } catch (e) {
      throw new AvroDecodeError(name, (e as Error).message);
    }
  }
}

/** A codec over the configured registry; `guard` wraps its client (a circuit breaker: clients/breaker.ts). */
export function createAvroCodec(
  config: Pick<Config, 'schemaRegistryUrl'>,
  topology: Topology,
  guard: (registry: RegistryLookup) => RegistryLookup = (r) => r,
): AvroCodec {
  return new AvroCodec(guard(createSchemaRegistry(config)), topology);
}
