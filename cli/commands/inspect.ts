// `cashflow inspect TOPIC`: the decoded records of a topic, one JSON object per line on stdout
// (our Avro topics through the registry, CDC topics as JSON, anything else as text). Reads
// with a throw-away consumer group that never commits, so it disturbs no processor.
import { UserFacingError, configUses } from '../command.js';
import type { TopicSpec, Topology } from '../../topology/topology.js';
import { loadConfig } from '../../config/config.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { ClientScope } from '../../dependencies/scope.js';

export interface InspectOptions {
  follow?: boolean;
  fromBeginning?: boolean;
  limit?: string;
  partition?: string;
}

/** The topic a user named: a topology id (`recalcRequests`), its full name, or its name without the prefix. */
export function resolveTopic(topology: Topology, name: string): TopicSpec | undefined {
  return (
    topology.topics.find((t) => t.id === name) ??
    topology.topicNamed(name) ??
    topology.topicNamed(`${topology.options.prefix}${name}`) ??
    topology.topicNamed(`${topology.options.prefix}cashflow.${name}`)
  );
}

/** Bytes as a string when they are printable UTF-8 text, otherwise `base64:<…>`. */
export function bytesForDisplay(b: Buffer | null | undefined): string | null {
  if (b === null || b === undefined) return null;
  const text = b.toString('utf8');
  // U+FFFD marks invalid UTF-8; control characters other than whitespace mark binary.
  // eslint-disable-next-line no-control-regex
  if (!text.includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return text;
  return `base64:${b.toString('base64')}`;
}

/** A JSON text as a value (Debezium keys and values), or the text itself when it is not JSON. */
export function jsonOrText(b: Buffer | null | undefined, stripSchema = true): unknown {
  const text = bytesForDisplay(b);
  if (text === null || text.startsWith('base64:')) return text;
  try {
    const doc = JSON.parse(text) as unknown;
    // JsonConverter with schemas: {schema, payload}; the payload is what people want to read.
    if (stripSchema && doc && typeof doc === 'object' && 'schema' in doc && 'payload' in doc) return (doc as { payload: unknown }).payload;
    return doc;
  } catch {
    return text;
  }
}

/** Buffers inside decoded Avro values (dead letters' original key and value) as readable text. */
export function displayable(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return jsonOrText(value, false);
  if (Array.isArray(value)) return value.map(displayable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, displayable(v)]));
  }
  return value;
}

export function headersForDisplay(headers: Record<string, unknown> | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const one = (x: unknown) => (Buffer.isBuffer(x) ? (bytesForDisplay(x) ?? '') : String(x));
    out[k] = Array.isArray(v) ? v.map(one) : one(v);
  }
  return out;
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new UserFacingError(`${name} must be a non-negative integer, got "${raw}"`, 2);
  return n;
}

/** `cashflow inspect` */
export async function action(topicName: string, opts: InspectOptions): Promise<void> {
  const limit = positiveInt('--limit', opts.limit);
  const onlyPartition = positiveInt('--partition', opts.partition);
  const config = loadConfig(process.env, ['kafka', 'schemaRegistryUrl', 'clients', ...configUses.topology]);
  const topology = topologyFromConfig(config);
  const spec = resolveTopic(topology, topicName);
  const name = spec?.name ?? topicName;
  const clients = new ClientScope(config);
  let admin: Awaited<ReturnType<typeof clients.admin>> | undefined;
  let consumer: Awaited<ReturnType<typeof clients.consumer>> | undefined;
  const groupId = `cashflow-inspect-${process.pid}-${Date.now().toString(36)}`;
  try {
    // an Avro topic is read through the registry: met first, so that an empty topic does not hide it is down
    if (spec?.value.format === 'avro') await clients.meet('schema-registry');
    admin = await clients.admin('cashflow-inspect');
    const known = await admin.listTopics();
    if (!known.includes(name)) {
      const ours = topology.topics.map((t) => t.id).join(', ');
      throw new UserFacingError(`topic "${name}" does not exist (topology ids: ${ours}; \`cashflow topics apply\` creates them)`, 2);
    }
    // Where each partition ends now: without --follow we stop there.
    const offsets = (await admin.fetchTopicOffsets(name)).filter((o) => onlyPartition === undefined || o.partition === onlyPartition);
    if (onlyPartition !== undefined && offsets.length === 0) throw new UserFacingError(`${name} has no partition ${onlyPartition}`, 2);
    const remaining = new Map<number, bigint>();
    for (const o of offsets) if (BigInt(o.high) > BigInt(o.low)) remaining.set(o.partition, BigInt(o.high));
    if (!opts.follow && (remaining.size === 0 || limit === 0)) {
      process.stderr.write(`${name}: no records\n`);
      return;
    }

    let decode: (value: Buffer | null) => Promise<unknown>;
    let decodeKey: (key: Buffer | null) => unknown = (k) => bytesForDisplay(k);
    // dead letters keep the original key: a Debezium key is JSON, shown as its payload
    if (spec?.key.kind === 'original') decodeKey = (k) => (k && k[0] === 0x7b ? jsonOrText(k) : bytesForDisplay(k));
    if (spec?.value.format === 'avro') {
      const codec = await clients.codec(topology);
      const id = spec.id as Parameters<typeof codec.decode>[0];
      decode = async (v) => {
        if (v === null) return null; // tombstone
        try {
          return displayable(await codec.decode(id, v));
        } catch (e) {
          return { undecodable: (e as Error).message, raw: bytesForDisplay(v) };
        }
      };
    } else {
      decode = async (v) => jsonOrText(v);
      if (spec?.key.format === 'debezium-json') decodeKey = (k) => jsonOrText(k);
    }

    consumer = await clients.consumer({
      groupId,
      clientId: 'cashflow-inspect',
      fromBeginning: !opts.follow || opts.fromBeginning === true,
      maxBatchSize: 500,
    });
    await consumer.subscribe({ topics: [name] });
    let printed = 0;
    const out = (line: string) => new Promise<void>((resolve, reject) => process.stdout.write(line + '\n', (e) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const stop = () => {
        clearTimeout(idle);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Without --follow a quiet topic must still end (e.g. records removed by retention).
      const armIdle = () => {
        if (opts.follow) return;
        clearTimeout(idle);
        idle = setTimeout(stop, 15_000);
      };
      armIdle();
      consumer!
        .run({
          eachMessage: async ({ partition, message }) => {
            armIdle();
            if (onlyPartition !== undefined && partition !== onlyPartition) return;
            if (limit !== undefined && printed >= limit) return stop();
            const offset = BigInt(message.offset);
            const end = remaining.get(partition);
            if (!opts.follow && (end === undefined || offset >= end)) return;
            const record = {
              topic: name,
              partition,
              offset: Number(message.offset),
              timestamp: new Date(Number(message.timestamp)).toISOString(),
              key: decodeKey(message.key ?? null),
              headers: headersForDisplay(message.headers as Record<string, unknown> | undefined),
              value: await decode(message.value ?? null),
            };
            await out(JSON.stringify(record));
            printed++;
            if (!opts.follow && offset + 1n >= (end ?? 0n)) remaining.delete(partition);
            if ((limit !== undefined && printed >= limit) || (!opts.follow && remaining.size === 0)) stop();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer?.disconnect().catch(() => {}); // the group can be deleted once it is empty
    await admin?.deleteGroups([groupId]).catch(() => {});
    await clients.close();
  }
}

