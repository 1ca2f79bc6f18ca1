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
import type { Redis } from '../clients/redis.js';
import type { Producer } from '../clients/kafka.js';
import type { ProcessorName, Topology } from '../topology/topology.js';
import type { StateStore } from '../state/model.js';
import { DEFAULT_KEY_PREFIX, RedisStateStore } from '../state/redis-store.js';
import { checkEvictionPolicy, ownerId, RedisHealPort, StateHealer } from '../state/healing.js';
import { healMetrics, PipelineMetrics } from './metrics.js';
import { definitionOf, PROCESSOR_NAMES } from './registry.js';
import type { BackgroundServices, BackgroundTask } from './processor.js';
import { DEFAULT_BACKOFF, ProcessorRunner, stderrLog, type BackoffOptions, type Log, type RunnerServices } from './runner.js';

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
  const log = options.log ?? stderrLog;
  const [{ createProducer, createConsumer }, { connectRedis }, { createAvroCodec }] = await Promise.all([
    import('../clients/kafka.js'),
    import('../clients/redis.js'),
    import('../clients/schema-registry.js'),
  ]);

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => log('warn', 'cleanup failed', { error: (e as Error).message }));
    cleanups.length = 0;
  };
  const runners: ProcessorRunner[] = [];
  let server: Server | undefined;
  try {
    const redisPrefix = options.redisPrefix ?? config.pipeline?.redisPrefix ?? DEFAULT_KEY_PREFIX;
    const redis: Redis = await connectRedis(config, { name: 'cashflow-processors', keyPrefix: redisPrefix });
    cleanups.push(async () => redis.quit());
    const store = new RedisStateStore(redis);
    // the runners' store checks the state marker in every round trip (state/readiness.ts)
    const checkedStore = new RedisStateStore(redis, { checkReady: true });
    const producer: Producer = await createProducer(config, { clientId: `cashflow-${names.join('+')}` });
    cleanups.push(() => producer.disconnect());
    let database: Promise<Database> | undefined;
    const getDatabase = () => {
      if (options.database) return Promise.resolve(options.database);
      database ??= import('../clients/database.js').then(async ({ createDatabase }) => {
        const db = await createDatabase(config);
        cleanups.push(() => db.close());
        return db;
      });
      return database;
    };
    const metrics = new PipelineMetrics(() => store.waitingCount());
    const healer = stateHealer(options, { redis, redisPrefix, store, metrics, log, owner: ownerId(names.join('+')) });
    const services: RunnerServices = {
      config,
      topology,
      producer,
      codec: createAvroCodec(config, topology),
      store: checkedStore,
      healer,
      metrics,
      database: getDatabase,
      redis,
      log,
      now: options.now ?? Date.now,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
    };
    const backgrounds: { name: ProcessorName; task: BackgroundTask }[] = [];
    for (const name of names) {
      const definition = await definitionOf(name);
      if (definition.background) backgrounds.push({ name, task: definition.background });
      const runner = new ProcessorRunner(
        definition,
        services,
        (groupId, o) => createConsumer(config, { groupId, maxBatchSize: o.maxBatchSize, clientId: o.clientId }),
        { maxBatchSize: options.maxBatchSize, partitionConcurrency: options.partitionConcurrency },
      );
      runners.push(runner);
    }

    const ready = () => runners.length > 0 && runners.every((r) => r.isRunning);
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
          void (async () => {
            const redisOk = await redis.ping().then(() => true, () => false);
            const processors = Object.fromEntries(runners.map((r) => [r.name, r.isRunning ? 'running' : 'stopped']));
            const state = healer.healing ? 'rebuilding' : 'ready';
            const ok = ready() && redisOk && !healer.healing;
            const detail = Object.fromEntries(backgrounds.map((b) => [b.name, b.task.health()]));
            res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ status: ok ? 'ready' : 'not ready', redis: redisOk ? 'ok' : 'unreachable', state, processors, ...detail }));
          })();
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
      ready,
      stopped,
      stop() {
        stopping ??= (async () => {
          if (options.handleSignals) {
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
          }
          await Promise.all(backgrounds.map((b) => b.task.stop()));
          await Promise.all(runners.map((r) => r.stop()));
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

/** The process's healer: rebuilds through the unchecked store, under the lock in Redis. */
function stateHealer(
  options: StartOptions,
  parts: { redis: Redis; redisPrefix: string; store: StateStore; metrics: PipelineMetrics; log: Log; owner: string },
): StateHealer {
  const port = new RedisHealPort(parts.redis, async ({ clear, onProgress }) => {
    const { rebuildState } = await import('../state/rebuild.js');
    return rebuildState({ config: options.config, topology: options.topology, store: parts.store, redisPrefix: parts.redisPrefix, clear, onProgress });
  });
  return new StateHealer(port, { owner: parts.owner, log: parts.log, metrics: healMetrics(parts.metrics) });
}
