// `cashflow run [processor…]`: runs one, several or all processors in this process until
// SIGTERM/SIGINT (then finishes the batches in hand, commits and disconnects). Several
// processes running the same processor share its partitions through the consumer group.
import type { Command } from 'commander';
import { UserFacingError, configUses } from '../command.js';

export const DEFAULT_METRICS_PORT = 9464;

function port(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserFacingError(`${what}: expected a port (0–65535), got "${raw}"`, 2);
  return n;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run processors in this process (all when none is named): contract-ingest, market-ingest, positions-ingest, impact, calculator, sink, job-worker, verifier')
    .argument('[processors...]', 'processor names')
    .option('--metrics-port <port>', `port of /metrics, /healthz, /readyz (env CASHFLOW_METRICS_PORT, default ${DEFAULT_METRICS_PORT}; 0 = any free port)`)
    .option('--batch-size <n>', "max messages per batch (js.consumer.max.batch.size; default: the processor's own, 1000 or less)")
    .option('--topic-prefix <prefix>', 'prefix of every topic and consumer group (env CASHFLOW_TOPIC_PREFIX)')
    .option('--redis-prefix <prefix>', 'key prefix of the Redis state (env CASHFLOW_REDIS_PREFIX, default cashflow:)')
    .action(async (names: string[], opts: { metricsPort?: string; batchSize?: string; topicPrefix?: string; redisPrefix?: string }) => {
      const [{ loadConfig }, { topologyFromConfig }, { startProcessors }, { PROCESSOR_NAMES }] = await Promise.all([
        import('../../config/config.js'),
        import('../../topology/topology.js'),
        import('../../processors/pipeline.js'),
        import('../../processors/registry.js'),
      ]);
      const unknown = names.filter((n) => !(PROCESSOR_NAMES as string[]).includes(n));
      if (unknown.length) throw new UserFacingError(`unknown processor ${unknown.join(', ')} (one of ${PROCESSOR_NAMES.join(', ')})`, 2);
      const batchSize = opts.batchSize === undefined ? undefined : Number(opts.batchSize);
      if (batchSize !== undefined && (!Number.isInteger(batchSize) || (batchSize < 1 && batchSize !== -1))) throw new UserFacingError(`--batch-size: expected a positive integer or -1, got "${opts.batchSize}"`, 2);
      const config = loadConfig(process.env, configUses.processors);
      const topology = topologyFromConfig(config, opts.topicPrefix !== undefined ? { prefix: opts.topicPrefix } : {});
      const metricsPort = port(opts.metricsPort, '--metrics-port') ?? config.pipeline.metricsPort;
      let pipeline;
      try {
        pipeline = await startProcessors({
          config,
          topology,
          processors: names as (typeof PROCESSOR_NAMES)[number][],
          redisPrefix: opts.redisPrefix ?? config.pipeline.redisPrefix,
          metricsPort,
          metricsHost: config.pipeline.metricsHost,
          maxBatchSize: batchSize,
          handleSignals: true,
        });
      } catch (e) {
        const { isRetriable } = await import('../../clients/errors.js');
        if (isRetriable(e) || (e as { code?: string }).code === 'EADDRINUSE') throw new UserFacingError((e as Error).message);
        throw e;
      }
      process.stderr.write(
        `cashflow run: ${pipeline.processors.join(', ')} running (metrics on http://127.0.0.1:${pipeline.port}/metrics); SIGTERM or Ctrl-C stops\n`,
      );
      // Prometheus finds it through the stack's service discovery folder (README "Operating it")
      const { registerThisProcess } = await import('../../monitoring/targets.js');
      const unregister = pipeline.port === undefined ? () => {} : registerThisProcess(config.stack, 'cashflow-processors', `${topology.options.prefix}${pipeline.processors.join('+')}`, pipeline.port, config.pipeline.metricsHost);
      await pipeline.stopped;
      unregister();
    });
}
