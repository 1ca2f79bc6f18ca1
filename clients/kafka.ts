// Kafka clients built from the one configuration: @confluentinc/kafka-javascript's KafkaJS-style
// API with librdkafka properties. Only commands that talk to Kafka load this module.
import kafkaJavascript from '@confluentinc/kafka-javascript';
import type { KafkaJS as KafkaJSTypes } from '@confluentinc/kafka-javascript';
import type { Config, KafkaConfig } from '../config/config.js';
import { ComponentError, ServiceUnavailableError, TransportSecurityError, unreachable, type TransportSecurityFailure } from './errors.js';
import { withSendErrors } from './kafka-send.js';
import { configuredLog, type Log } from './log.js';

const { KafkaJS } = kafkaJavascript;

export type Kafka = KafkaJSTypes.Kafka;
export type Producer = KafkaJSTypes.Producer;
export type Consumer = KafkaJSTypes.Consumer;
export type Admin = KafkaJSTypes.Admin;

export type LibrdkafkaProperties = Record<string, string | number | boolean>;

/** Broker address and security, as librdkafka properties (pure: unit-tested). */
export function librdkafkaConnection(k: KafkaConfig, clientId: string): LibrdkafkaProperties {
  const props: LibrdkafkaProperties = {
    'bootstrap.servers': k.bootstrapServers,
    'client.id': clientId,
    'security.protocol': k.securityProtocol,
  };
  if (k.securityProtocol.startsWith('sasl')) {
    const missing = [
      ['KAFKA_SASL_MECHANISM', k.saslMechanism],
      ['KAFKA_SASL_USERNAME', k.saslUsername],
      ['KAFKA_SASL_PASSWORD', k.saslPassword],
    ]
      .filter(([, v]) => !v)
      .map(([n]) => n);
    // OAUTHBEARER and GSSAPI take their credentials elsewhere; the usual mechanisms need all three.
    if (missing.length && !/^(OAUTHBEARER|GSSAPI)$/i.test(k.saslMechanism ?? '')) {
      throw new ComponentError(
        'kafka',
        k.bootstrapServers,
        `KAFKA_SECURITY_PROTOCOL=${k.securityProtocol} needs ${missing.join(', ')}`,
      );
    }
    props['sasl.mechanisms'] = (k.saslMechanism ?? 'PLAIN').toUpperCase();
    if (k.saslUsername) props['sasl.username'] = k.saslUsername;
    if (k.saslPassword) props['sasl.password'] = k.saslPassword;
  }
  if (k.securityProtocol.endsWith('ssl') && k.sslCaFile) props['ssl.ca.location'] = k.sslCaFile;
  return props;
}

/**
 * Producer settings for invariant 3: idempotent, acks=all, so a send that resolves is durable
 * and retries never duplicate. murmur2 keeps partitioning identical to Java clients (Connect).
 */
export const PRODUCER_PROPERTIES: LibrdkafkaProperties = {
  'enable.idempotence': true,
  acks: -1,
  'max.in.flight.requests.per.connection': 5,
  partitioner: 'murmur2_random',
  'compression.type': 'lz4',
  'linger.ms': 5,
};

export interface ConsumerOptions {
  groupId: string;
  /** `js.consumer.max.batch.size` (1000 or more for throughput: docs/operations.md). */
  maxBatchSize?: number;
  fromBeginning?: boolean;
  extra?: LibrdkafkaProperties;
}

/** Consumer settings: offsets are committed by the runner after effects are durable. */
export function consumerProperties(o: ConsumerOptions): LibrdkafkaProperties {
  return {
    'group.id': o.groupId,
    'enable.auto.commit': false,
    'auto.offset.reset': o.fromBeginning === false ? 'latest' : 'earliest',
    'partition.assignment.strategy': 'cooperative-sticky',
    'js.consumer.max.batch.size': o.maxBatchSize ?? 1000,
    // librdkafka prefetches up to 64 MB (and 100,000 messages) per consumer by default: native
    // memory outside V8's heap cap that put the sink over 512 MB RSS at 160,000 contracts.
    // 16 MB still holds several seconds of the pipeline's fastest stream.
    'queued.max.messages.kbytes': 16384,
    // a fetch response stays in memory while any of its messages waits, so this bounds native
    // memory too: a processor whose messages are small asks for less (processors/processor.ts
    // fetchMaxBytes)
    'fetch.max.bytes': 16 * 1024 * 1024,
    // once that queue is full, librdkafka postpones a partition's next fetch by this much
    // (default 1000 ms): with the smaller queue a burst (a job's chunks arriving faster than
    // they are computed) filled it, and the workers then sat idle for up to a second with the
    // rest of the job waiting on the broker (measured: the 160K API job 1.85 → 1.29 s)
    'fetch.queue.backoff.ms': 20,
    ...o.extra,
  };
}

/**
 * The Kafka client's logger: its lines go into ours at debug (CASHFLOW_LOG_LEVEL=debug shows
 * them: while a broker is down it repeats its connection failure several times a second), and
 * its last connection failure is kept, so that our error can say why the broker could not be
 * reached ("connection refused") instead of the client's "Local: Broker transport failure".
 */
export class KafkaClientLog {
  lastFailure: string | undefined;
  /** The last line of any level that reads as a failure, whole: what transport security refused (securityFailure). */
  lastFailureLine: string | undefined;
  /** Bootstrap addresses (host:port) whose connection failed, as librdkafka logged them. */
  readonly failedBootstraps = new Set<string>();

  constructor(private readonly log: Log) {}

  private line(level: 'error' | 'warn' | 'info' | 'debug', message: string, extra?: { name?: string; fac?: string }) {
    if (level === 'error' || level === 'warn') this.note(message);
    // a listener closing a client of another protocol is an INFO line (state APIVERSION_QUERY)
    if (/Disconnected|failed|refused|error|closed/i.test(message)) this.lastFailureLine = message;
    this.log('debug', `kafka client: ${message}`, { client: extra?.name, facility: extra?.fac, clientLevel: level });
  }

  private note(message: string) {
    // librdkafka: "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)",
    // "nohost:9092/bootstrap: Failed to resolve 'nohost:9092': Name or service not known (after 2ms in state CONNECT)"
    const failed =
      /Failed to resolve '[^']*': ([^(]+?)\s*(?:\(|$)/.exec(message) ??
      /failed: ([^(]+?)\s*(?:\(after|\(|$)/.exec(message) ??
      /(SASL authentication error[^(]*|SSL handshake failed[^(]*)/.exec(message);
    if (!failed) return;
    this.lastFailure = failed[1].trim().replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase()); // Connection → connection, SASL stays
    const bootstrap = /(?:^|\s)(?:[a-z_]+:\/\/)?(\S+?)\/bootstrap: /.exec(message);
    if (bootstrap) this.failedBootstraps.add(bootstrap[1]);
  }

  error = (message: string, extra?: { name?: string; fac?: string }) => this.line('error', message, extra);
  warn = (message: string, extra?: { name?: string; fac?: string }) => this.line('warn', message, extra);
  info = (message: string, extra?: { name?: string; fac?: string }) => this.line('info', message, extra);
  debug = (message: string, extra?: { name?: string; fac?: string }) => this.line('debug', message, extra);
  setLogLevel(): void {} // the threshold is ours (CASHFLOW_LOG_LEVEL)
  namespace(): this {
    return this;
  }
}

type KafkaConfigWithClients = Pick<Config, 'kafka'> & Partial<Pick<Config, 'clients'>>;

const clientLogs = new WeakMap<object, KafkaClientLog>();

export function createKafka(config: KafkaConfigWithClients, clientId = 'cashflow', log?: Log): Kafka {
  const clientLog = new KafkaClientLog(log ?? configuredLog(config.clients ?? {}, 'warn'));
  const kafka = new KafkaJS.Kafka({
    ...librdkafkaConnection(config.kafka, clientId),
    // errors and warnings always (they name the cause of a failure); its info lines at debug only
    // INFO always: librdkafka reports a listener closing a connection of the wrong protocol at
    // INFO, a refused TLS handshake or login at ERROR; the lines reach our log at debug only
    kafkaJS: { logger: clientLog, logLevel: KafkaJS.logLevel.INFO },
  } as unknown as KafkaJSTypes.CommonConstructorConfig);
  clientLogs.set(kafka, clientLog);
  return kafka;
}

/** What a line of librdkafka's log says about transport security, with the settings to check. */
export function securityFailure(line: string | undefined): { failure: TransportSecurityFailure; hint: string } | undefined {
  if (line === undefined) return undefined;
  if (/SASL authentication error|Authentication failed/i.test(line))
    return { failure: 'authentication', hint: 'the broker refused the login: check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (or _FILE) and KAFKA_SASL_MECHANISM' };
  if (/certificate verify failed|SSL handshake failed/i.test(line))
    return { failure: 'tls', hint: "the TLS handshake failed: KAFKA_SSL_CA_FILE must hold the CA of the broker's certificate, and the broker's address must be a name in it" };
  // A TLS listener closes a plaintext client at its first request (ApiVersion); a SASL listener
  // closes a client that sends requests without logging in; a plaintext listener cannot answer
  // a TLS handshake.
  if (/state APIVERSION_QUERY|SSL connection closed by peer|security\.protocol|wrong version number|packet length too long/i.test(line))
    return { failure: 'protocol', hint: 'the listener speaks another security protocol: check KAFKA_SECURITY_PROTOCOL (and the SASL settings)' };
  return undefined;
}

/**
 * A Kafka failure as the typed error: TransportSecurityError (not retriable) when the broker
 * refused the client's TLS or login, else ServiceUnavailableError (retriable) with the broker's
 * address, the cause in words and the next step.
 */
export function kafkaUnavailable(config: Pick<Config, 'kafka'>, e: unknown, clientLog?: KafkaClientLog): ServiceUnavailableError | TransportSecurityError {
  if (e instanceof ServiceUnavailableError || e instanceof TransportSecurityError) return e;
  const refused = refusedForSecurity(config, e, clientLog);
  if (refused) return refused;
  // librdkafka's own error ("Local: Broker transport failure", "Local: Timed out") says less than
  // the connection failure its log named just before
  const detail = ((e as Error).message ?? String(e)).replace(/^Local: /, '').toLowerCase();
  const cause = clientLog?.lastFailure ?? detail;
  // a broker that answers but refuses the handshake: the security settings are what to check
  const variable = /SASL|SSL/.test(cause) ? 'KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_FILE' : undefined;
  return unreachable('kafka', config.kafka.bootstrapServers, e, { cause, variable });
}

function unavailable(config: Pick<Config, 'kafka'>, e: unknown, kafka?: Kafka): ServiceUnavailableError | TransportSecurityError {
  return kafkaUnavailable(config, e, kafka && clientLogs.get(kafka));
}

/**
 * Meets the brokers within `deadlineMs`: one metadata request from a throw-away admin client,
 * closed on every path. The clients' own connect waits librdkafka's 30 s metadata timeout
 * before it fails; a command asks this first and stops at once with the typed error.
 */
export async function meetKafka(config: KafkaConfigWithClients, deadlineMs: number, log?: Log): Promise<void> {
  const kafka = createKafka(config, 'cashflow-probe', log);
  const clientLog = clientLogs.get(kafka)!;
  const admin = kafka.admin();
  const bootstraps = config.kafka.bootstrapServers.split(',').map((b) => b.trim().replace(/^[a-z_]+:\/\//i, ''));
  const until = Date.now() + deadlineMs;
  try {
    await admin.connect();
    // In short requests: librdkafka retries a refused connection until a request's timeout, and
    // a request in flight holds up the disconnect; once every bootstrap broker has refused (or
    // could not be resolved) there is nothing left to wait for.
    for (;;) {
      try {
        await (admin.listTopics as (o: { timeout: number }) => Promise<string[]>)({ timeout: Math.max(100, Math.min(1000, until - Date.now())) });
        return;
      } catch (e) {
        if (Date.now() >= until || bootstraps.every((b) => clientLog.failedBootstraps.has(b))) throw e;
      }
    }
  } catch (e) {
    throw unavailable(config, e, kafka);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** TransportSecurityError when the client's log says the broker refused its TLS or login. */
function refusedForSecurity(config: Pick<Config, 'kafka'>, e: unknown, log?: KafkaClientLog): TransportSecurityError | undefined {
  const security = securityFailure(log?.lastFailureLine);
  if (!security) return undefined;
  return new TransportSecurityError('kafka', config.kafka.bootstrapServers, security.failure, `${security.hint} (librdkafka: ${log!.lastFailureLine})`, { cause: e });
}

/**
 * The admin client with a failed operation that the broker's refusal of its TLS or login
 * explains thrown as TransportSecurityError: its connect() succeeds without a broker, so the
 * refusal shows only at the first request, as "broker transport failure". Other errors pass
 * unchanged.
 */
function withSecurityErrors(admin: Admin, config: Pick<Config, 'kafka'>, log: KafkaClientLog): Admin {
  return new Proxy(admin, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        return result instanceof Promise
          ? result.catch((e: unknown) => {
              throw refusedForSecurity(config, e, log) ?? e;
            })
          : result;
      };
    },
  });
}

/** A connected idempotent producer (acks=all); a message too large fails as MessageTooLargeError. */
export async function createProducer(
  config: KafkaConfigWithClients,
  options: { clientId?: string; extra?: LibrdkafkaProperties; log?: Log } = {},
): Promise<Producer> {
  const kafka = createKafka(config, options.clientId, options.log);
  const producer = kafka.producer({
    ...PRODUCER_PROPERTIES,
    ...options.extra,
  } as KafkaJSTypes.ProducerConstructorConfig);
  try {
    await producer.connect();
  } catch (e) {
    await producer.disconnect().catch(() => {});
    throw unavailable(config, e, kafka);
  }
  return withSendErrors(producer);
}

/** A connected consumer without auto-commit. */
export async function createConsumer(
  config: KafkaConfigWithClients,
  options: ConsumerOptions & { clientId?: string; log?: Log },
): Promise<Consumer> {
  const kafka = createKafka(config, options.clientId, options.log);
  const consumer = kafka.consumer(
    consumerProperties(options) as KafkaJSTypes.ConsumerConstructorConfig,
  );
  try {
    await consumer.connect();
  } catch (e) {
    await consumer.disconnect().catch(() => {});
    throw unavailable(config, e, kafka);
  }
  return consumer;
}

/** A connected admin client. */
export async function createAdmin(
  config: KafkaConfigWithClients,
  clientId = 'cashflow-admin',
  log?: Log,
): Promise<Admin> {
  const kafka = createKafka(config, clientId, log);
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    await admin.disconnect().catch(() => {});
    throw unavailable(config, e, kafka);
  }
  return withSecurityErrors(admin, config, clientLogs.get(kafka)!);
}

/** Raises a topic's partition count (the KafkaJS-style admin has no createPartitions). */
export async function createPartitions(
  config: Pick<Config, 'kafka'>,
  topic: string,
  totalPartitions: number,
  timeoutMs = 30_000,
): Promise<void> {
  const client = kafkaJavascript.AdminClient.create(
    librdkafkaConnection(config.kafka, 'cashflow-admin') as Parameters<
      typeof kafkaJavascript.AdminClient.create
    >[0],
  );
  try {
    await new Promise<void>((resolve, reject) =>
      client.createPartitions(topic, totalPartitions, timeoutMs, (err) => (err ? reject(err) : resolve())),
    );
  } finally {
    client.disconnect();
  }
}

/**
 * Deletes the consumer groups whose id `select` accepts, retrying while one still has members:
 * a member killed with SIGKILL stays in its group until its session times out
 * (session.timeout.ms, 45 s by default), and the broker refuses to delete a non-empty group.
 */
/** Deletes the topics `select` picks (an isolated run's prefixed topics). */
export async function deleteTopics(admin: Admin, select: (topic: string) => boolean): Promise<void> {
  const topics = (await admin.listTopics()).filter(select);
  if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
}

export async function deleteConsumerGroups(
  admin: Admin,
  select: (groupId: string) => boolean,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter(select);
    if (groups.length === 0) return;
    try {
      await admin.deleteGroups(groups);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

/** The cluster's topics by a short-lived admin client (a health check through the real client). */
export async function listTopicsOnce(config: KafkaConfigWithClients, clientId = 'cashflow-admin', timeoutMs = 10_000): Promise<string[]> {
  const kafka = createKafka(config, clientId);
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await (admin.listTopics as (o: { timeout: number }) => Promise<string[]>)({ timeout: timeoutMs });
  } catch (e) {
    throw unavailable(config, e, kafka);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
