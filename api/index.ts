// Starting the API process (`cashflow serve`): the Fastify app of api/server.ts over real
// dependencies, each connected lazily or in the background so that the API serves synchronous
// requests with the engine alone (docs/interfaces.md): Redis is used whenever it answers, Kafka is
// connected on the first job, the read-only database on the first read.
import { connect as tcpConnect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { createDatabase } from '../db/open.js';
import { createProducer } from '../clients/kafka.js';
import { createRedis, type Redis } from '../clients/redis.js';
import { createAvroCodec } from '../clients/schema-registry.js';
import { databaseReadiness, dependencyStates, probeDependency } from '../dependencies/meet.js';
import type { Topology } from '../topology/topology.js';
import { holdTracing } from '../tracing/tracer.js';
import type { KafkaSide } from '../jobs/submit.js';
import { ApiMetrics } from './metrics.js';
import { buildApi, type DependencyState } from './server.js';
import { READY_KEY } from '../state/readiness.js';
import { failureSummary } from '../clients/errors.js';

export interface StartApiOptions {
  config: Config;
  topology: Topology;
  /** The pipeline's Redis key prefix (CASHFLOW_REDIS_PREFIX, default `cashflow:`). */
  redisPrefix: string;
  port?: number;
  host?: string;
  logger?: boolean;
}

export interface RunningApi {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

/**
 * The read URL with read-only sessions where the dialect allows it in the URL: PostgreSQL gets
 * `default_transaction_read_only=on` (a replica is read-only anyway); SQL Server's
 * ApplicationIntent=ReadOnly routes to a readable secondary when the URL asks for it.
 */
export function readOnlyUrl(config: Pick<Config, 'database'>): string {
  const url = config.database.readUrl;
  if (config.database.dialect !== 'postgres') return url;
  try {
    const u = new URL(url);
    if (!u.searchParams.has('options')) u.searchParams.set('options', '-c default_transaction_read_only=on');
    return u.toString();
  } catch {
    return url;
  }
}

function tcpReachable(hostPort: string, timeoutMs = 1000): Promise<boolean> {
  const [host, port] = hostPort.replace(/^[a-z]+:\/\//i, '').split(':');
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port: Number(port) || 9092, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

export async function startApi(o: StartApiOptions): Promise<RunningApi> {
  const { config, topology } = o;
  const redis: Redis = createRedis(config, { name: 'cashflow-api', keyPrefix: o.redisPrefix });
  redis.on('error', () => {}); // reported by /readyz and through failing commands
  void redis.connect().catch(() => {}); // keeps retrying in the background (retryStrategy)

  let database: Promise<Database> | undefined;
  const readDatabase = () => {
    database ??= createDatabase(config, { url: readOnlyUrl(config) }).catch((e) => {
      database = undefined;
      throw e;
    });
    return database;
  };

  let kafka: Promise<KafkaSide> | undefined;
  const getKafka = () => {
    kafka ??= (async () => {
      const producer = await createProducer(config, { clientId: 'cashflow-api' });
      return { producer, codec: createAvroCodec(config, topology) };
    })().catch((e) => {
      kafka = undefined;
      throw e;
    });
    return kafka;
  };

  // each dependency's state, with a reason that names no URL, host, port or user (clients/errors.ts)
  const readiness = async (): Promise<Record<string, DependencyState>> => {
    const broker = config.kafka.bootstrapServers.split(',')[0];
    const { dependencies } = await dependencyStates({
      redis: async () =>
        redis.status === 'ready'
          ? redis.exists(READY_KEY).then(
              // reachable; without the pipeline's state marker, requests needing store data get 503
              (n) => (n === 1 ? { status: 'ok' as const } : { status: 'ok' as const, detail: 'pipeline state not ready (being rebuilt): requests needing market data from the store get 503' }),
              (e: Error) => ({ status: 'unreachable' as const, detail: failureSummary(e) }),
            )
          : { status: 'unreachable', detail: `connection ${redis.status}` },
      kafka: async () =>
        (await tcpReachable(broker)) ? { status: 'ok' } : { status: 'unreachable', detail: 'the first bootstrap server does not accept connections' },
      database: () => databaseReadiness(readDatabase),
      // jobs encode their chunks through the registry (Connect is no dependency of the API)
      'schema-registry': () => probeDependency(config, 'schema-registry'),
    });
    return dependencies;
  };

  const metrics = new ApiMetrics();
  const releaseTracing = await holdTracing(config.tracing, 'cashflow-api');
  const app = await buildApi({
    config,
    topology,
    metrics,
    redis: () => (redis.status === 'ready' ? redis : undefined),
    readDatabase,
    kafka: getKafka,
    readiness,
    logger: o.logger,
  });
  await app.listen({ port: o.port ?? config.api.port, host: o.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? config.api.port);
  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    close() {
      closing ??= (async () => {
        await app.close();
        if (kafka) await (await kafka.catch(() => undefined))?.producer.disconnect().catch(() => undefined);
        if (database) await (await database.catch(() => undefined))?.close().catch(() => undefined);
        redis.disconnect();
        await releaseTracing();
      })();
      return closing;
    },
  };
}
