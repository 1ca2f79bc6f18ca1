// Starting processors in a process: `cashflow run`, `cashflow start` (in the background), the
// demo, the benchmarks and the end-to-end tests all go through startProcessors(). One
// producer, one Redis connection, one schema registry codec, one metrics registry and one
// HTTP server (/metrics, /healthz, /readyz) are shared by the runners of the process; each
// runner has its own consumer in its processor's group, so several processes of the same
// processor share the partitions.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadPipelineConfig, type Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { createDatabase } from '../db/open.js';
import { connectRedis, type Redis } from '../clients/redis.js';
import { createConsumer, createProducer, type Producer } from '../clients/kafka.js';
import { createAvroCodec } from '../clients/schema-registry.js';
import type { ProcessorName, Topology } from '../topology/topology.js';
import type { StateStore } from '../state/model.js';
import { DEFAULT_KEY_PREFIX, RedisStateStore } from '../state/redis-store.js';
import { checkEvictionPolicy, ownerId, RedisHealPort, StateHealer } from '../state/healing.js';
import { rebuildState } from '../state/rebuild.js';
import { holdTracing } from '../tracing/tracer.js';
import { breakerChanges, healMetrics, PipelineMetrics } from './metrics.js';
import { Breakers } from '../clients/breaker.js';
import { definitionOf, PROCESSOR_NAMES } from './registry.js';
import type { BackgroundServices, BackgroundTask } from './processor.js';
import { DEFAULT_BACKOFF, ProcessorRunner, type BackoffOptions, type Log, type RunnerServices } from './runner.js';
import type { Component } from '../clients/errors.js';
import { failureSummary, redactUrl } from '../clients/errors.js';
import { configuredLog } from '../clients/log.js';
import { databaseReadiness, dependencyStates, meetWithBackoff, probeDependency, type DependencyState } from '../dependencies/meet.js';

export interface StartOptions {
  config: Config;
  topology: Topology;
  /** Default: all of them. */
  processors?: readonly ProcessorName[];
  /** Redis key prefix of the state (default `cashflow:`; CASHFLOW_REDIS_PREFIX). */
  redisPrefix?: string;
  /** HTTP port for /metrics, /healthz, /readyz; 0 = ephemeral; null = no server. */
  metricsPort?: number | null;
  metricsHost?: string;
  /** `js.consumer.max.batch.size` (default 1000). */
  maxBatchSize?: number;
  /** Partitions processed at once per processor (default: the processor's own setting). */
  partitionConcurrency?: number;
  backoff?: BackoffOptions;
  log?: Log;
  now?: () => number;
  /** An existing database client for the sink (otherwise created from the config). */
  database?: Database;
  /** Install SIGTERM/SIGINT handlers that stop gracefully (the CLI does; tests do not). */
  handleSignals?: boolean;
}

export interface RunningPipeline {
  readonly processors: readonly ProcessorName[];
  /** The metrics/health server's port (undefined without a server). */
  readonly port: number | undefined;
  readonly metrics: PipelineMetrics;
  /** The state store without the readiness check (what a rebuild writes through). */
  readonly store: StateStore;
  /** Heals lost Redis state for the runners of this process (state/healing.ts). */
  readonly healer: StateHealer;
  /** The circuit breakers of the process's dependencies (clients/breaker.ts). */
  readonly breakers: Breakers;
  /** True while every runner is consuming. */
  ready(): boolean;
  /** Finishes the batches in hand, commits, disconnects everything. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when stop() has completed (e.g. after SIGTERM). */
  readonly stopped: Promise<void>;
}

/** CASHFLOW_REDIS_PREFIX (default `cashflow:`), as config/config.ts reads it. */
export function redisPrefixFromEnv(env?: Record<string, string | undefined>): string {
  return loadPipelineConfig(env).redisPrefix || DEFAULT_KEY_PREFIX;
}

export async function startProcessors(options: StartOptions): Promise<RunningPipeline> {
  const { config, topology } = options;
  const names = [...new Set(options.processors && options.processors.length ? options.processors : PROCESSOR_NAMES)];
  for (const n of names) if (!PROCESSOR_NAMES.includes(n)) throw new Error(`unknown processor "${n}" (one of ${PROCESSOR_NAMES.join(', ')})`);
  const log = options.log ?? configuredLog(config.clients, 'info');
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  // released last (cleanups run in reverse): the spans of the final batches are exported
  const releaseTracing = await holdTracing(config.tracing, names.length === 1 ? `cashflow-${names[0]}` : 'cashflow-pipeline');
  const components = dependenciesOf(topology, names);
  // until Kafka and Redis are met (the process waits for them), /readyz reports what meeting them last said
  const starting = new Map<Component, DependencyState>((['kafka', 'redis'] as const).map((c) => [c, { status: 'unreachable', detail: 'being reached' }]));
  let live: { redis: Redis; healer: StateHealer; backgrounds: { name: ProcessorName; task: BackgroundTask }[]; database: () => Promise<Database> } | undefined;
  let waitingCount = async () => 0; // the store's, once Redis is met

  const cleanups: (() => Promise<unknown>)[] = [releaseTracing];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => log('warn', 'cleanup failed', { error: (e as Error).message }));
    cleanups.length = 0;
  };
  const runners: ProcessorRunner[] = [];
  let server: Server | undefined;
  try {
    const metrics = new PipelineMetrics(() => waitingCount());
    const ready = () => runners.length > 0 && runners.every((r) => r.isRunning);
    const breakers = new Breakers(config.clients.breaker, { log, onChange: breakerChanges(metrics) });
    metrics.breakerStates = () => breakers.states();
    const readiness = async (): Promise<{ ok: boolean; body: Record<string, unknown> }> => {
      const checks = Object.fromEntries(components.map((c) => [c, () => dependencyState(c)]));
      const { ok: dependenciesOk, dependencies, breakers: breakerStates } = await dependencyStates(checks, breakers);
      const processors = Object.fromEntries(names.map((n) => [n, runners.find((r) => r.name === n)?.isRunning ? 'running' : live ? 'stopped' : 'starting']));
      const healing = live?.healer.healing ?? false;
      const ok = ready() && !healing && dependenciesOk;
      const detail = Object.fromEntries((live?.backgrounds ?? []).map((b) => [b.name, b.task.health()]));
      return {
        ok,
        body: { status: ok ? 'ready' : 'not ready', redis: dependencies.redis?.status === 'ok' ? 'ok' : 'unreachable', state: healing ? 'rebuilding' : live ? 'ready' : 'starting', processors, dependencies, breakers: breakerStates, ...detail },
      };
    };
    // the dependencies themselves, not through their breakers: /readyz shows whether they answer
    const dependencyState = async (c: Component): Promise<DependencyState> => {
      if (!live) return starting.get(c) ?? probeDependency(config, c);
      if (c === 'kafka') return ready() ? { status: 'ok' } : { status: 'unreachable', detail: 'processors not consuming (see the log)' };
      if (c === 'redis') return live.redis.ping().then(() => ({ status: 'ok' as const }), (e: unknown) => ({ status: 'unreachable' as const, detail: failureSummary(e, 'redis') }));
      if (c === 'database') return databaseReadiness(live.database);
      return probeDependency(config, c);
    };
    if (options.metricsPort !== null) {
      server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/metrics') {
          metrics.registry
            .metrics()
            .then((body) => {
              res.writeHead(200, { 'content-type': metrics.registry.contentType });
              res.end(body);
            })
            .catch((e) => {
              res.writeHead(500);
              res.end(String(e));
            });
        } else if (path === '/healthz') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'ok' }));
        } else if (path === '/readyz') {
          void readiness().then(({ ok, body }) => {
            res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          });
        } else {
          res.writeHead(404);
          res.end();
        }
      });
      const srv = server;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(options.metricsPort ?? config.pipeline?.metricsPort ?? 9464, options.metricsHost ?? '127.0.0.1', () => resolve());
      });
      cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
    }

    // The metrics port is open and /readyz says what is missing while Kafka and Redis are met
    // (the registry and the database are met by the batches, which wait for them: invariant 5)
    const metricsUrl = server ? `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` : undefined;
    log('info', 'meeting dependencies', { processors: names, metrics: metricsUrl, kafka: config.kafka.bootstrapServers, 'schema-registry': redactUrl(config.schemaRegistryUrl), redis: redactUrl(config.redisUrl), ...(components.includes('database') ? { database: redactUrl(config.database.url) } : {}) });
    await meetWithBackoff(config, ['kafka', 'redis'], { log, backoff, onState: (c, st) => starting.set(c, st) });
    const redisPrefix = options.redisPrefix ?? config.pipeline?.redisPrefix ?? DEFAULT_KEY_PREFIX;
    const redis: Redis = await connectRedis(config, { name: 'cashflow-processors', keyPrefix: redisPrefix });
    cleanups.push(async () => redis.quit());
    const store = new RedisStateStore(redis);
    // the runners' store checks the state marker in every round trip (state/readiness.ts)
    const checkedStore = new RedisStateStore(redis, { checkReady: true });
    const producer: Producer = await createProducer(config, { clientId: `cashflow-${names.join('+')}`, log });
    cleanups.push(() => producer.disconnect());
    let database: Promise<Database> | undefined;
    const getDatabase = () => {
      if (options.database) return Promise.resolve(options.database);
      database ??= createDatabase(config).then((db) => {
        cleanups.push(() => db.close());
        return db;
      });
      return database;
    };
    waitingCount = () => store.waitingCount();
    const healer = stateHealer(options, { redis, redisPrefix, store, metrics, log, owner: ownerId(names.join('+')) });
    // the runners reach Redis, the database and the registry through their breakers (clients/breaker.ts)
    let guarded: Promise<Database> | undefined;
    const guardedDatabase = () =>
      (guarded ??= getDatabase().then(
        (db) => breakers.of('database').guard(db, ['close']),
        (e: unknown) => {
          guarded = undefined;
          throw e;
        },
      ));
    const services: RunnerServices = {
      config,
      topology,
      producer,
      codec: createAvroCodec(config, topology, (registry) => breakers.of('schema-registry').guard(registry)),
      store: breakers.of('redis').guard(checkedStore),
      healer,
      metrics,
      breakers,
      database: guardedDatabase,
      redis,
      log,
      now: options.now ?? Date.now,
      backoff,
    };
    const backgrounds: { name: ProcessorName; task: BackgroundTask }[] = [];
    for (const name of names) {
      const definition = definitionOf(name);
      if (definition.background) backgrounds.push({ name, task: definition.background });
      const runner = new ProcessorRunner(
        definition,
        services,
        (groupId, o) => createConsumer(config, { groupId, maxBatchSize: o.maxBatchSize, clientId: o.clientId, log, extra: o.fetchMaxBytes ? { 'fetch.max.bytes': o.fetchMaxBytes } : undefined }),
        { maxBatchSize: options.maxBatchSize, partitionConcurrency: options.partitionConcurrency },
      );
      runners.push(runner);
    }

    live = { redis, healer, backgrounds, database: getDatabase };
    for (const r of runners) await r.start();
    // A fresh environment gets its marker now (a rebuild of empty topics is quick), before any
    // batch asks; a failure here is logged, and the first batch that meets the loss heals again.
    void healer.heal().catch((e) => log('warn', 'state check at start failed (the batches heal it)', { error: (e as Error).message }));
    // a loss while no batch flows is healed too (the API reads the state meanwhile)
    const stopWatching = healer.watch();
    cleanups.push(async () => stopWatching());
    void checkEvictionPolicy(redis, log);
    const backgroundLog: BackgroundServices['log'] = (level, message, fields) => log(level, message, fields);
    for (const b of backgrounds) {
      b.task.start({ database: getDatabase, registry: metrics.registry, horizon: config.horizon, log: backgroundLog, now: options.now ?? Date.now });
      cleanups.push(() => b.task.stop());
    }

    let stopping: Promise<void> | undefined;
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => (resolveStopped = r));
    const onSignal = (signal: NodeJS.Signals) => {
      log('info', 'stopping gracefully', { signal });
      void handle.stop();
    };
    const handle: RunningPipeline = {
      processors: names,
      port: server ? (server.address() as AddressInfo).port : undefined,
      metrics,
      store,
      healer,
      breakers,
      ready,
      stopped,
      stop() {
        stopping ??= (async () => {
          if (options.handleSignals) {
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
          }
          await Promise.all(backgrounds.map((b) => b.task.stop()));
          // the healer too: a rebuild in progress would read on after the stop (state/healing.ts)
          await Promise.all([...runners.map((r) => r.stop()), healer.stop()]);
          await cleanup();
          resolveStopped();
        })();
        return stopping;
      },
    };
    if (options.handleSignals) {
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    }
    return handle;
  } catch (e) {
    await Promise.all(runners.map((r) => r.stop()));
    await cleanup();
    throw e;
  }
}

/**
 * What the processors of a process reach: every one the broker, the registry (Avro in or out)
 * and Redis (the producer, codec and store are shared); some the database (the topology says).
 */
export function dependenciesOf(topology: Topology, names: readonly ProcessorName[]): Component[] {
  const database = names.some((n) => topology.processor(n).database);
  return ['kafka', 'schema-registry', 'redis', ...(database ? (['database'] as const) : [])];
}

/** The process's healer: rebuilds through the unchecked store, under the lock in Redis. */
function stateHealer(
  options: StartOptions,
  parts: { redis: Redis; redisPrefix: string; store: StateStore; metrics: PipelineMetrics; log: Log; owner: string },
): StateHealer {
  const port = new RedisHealPort(parts.redis, ({ clear, onProgress, signal }) =>
    rebuildState({ config: options.config, topology: options.topology, store: parts.store, redisPrefix: parts.redisPrefix, clear, onProgress, signal }),
  );
  return new StateHealer(port, { owner: parts.owner, log: parts.log, metrics: healMetrics(parts.metrics) });
}
