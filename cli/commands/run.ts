// `cashflow run [processor…]`: runs one, several or all processors in this process until
// SIGTERM/SIGINT (then finishes the batches in hand, commits and disconnects). Several
// processes running the same processor share its partitions through the consumer group.
import { isRetriable } from '../../clients/errors.js';
import { loadConfig } from '../../config/config.js';
import { registerThisProcess } from '../../monitoring/targets.js';
import { startProcessors } from '../../processors/pipeline.js';
import { PROCESSOR_NAMES } from '../../processors/registry.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { UserFacingError, configUses } from '../command.js';

function port(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserFacingError(`${what}: expected a port (0–65535), got "${raw}"`, 2);
  return n;
}

/** `cashflow run` */
export async function action(names: string[], opts: { metricsPort?: string; batchSize?: string; topicPrefix?: string; redisPrefix?: string }): Promise<void> {
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
    if (isRetriable(e) || (e as { code?: string }).code === 'EADDRINUSE') throw new UserFacingError((e as Error).message);
    throw e;
  }
  process.stderr.write(
    `cashflow run: ${pipeline.processors.join(', ')} running (metrics on http://127.0.0.1:${pipeline.port}/metrics); SIGTERM or Ctrl-C stops\n`,
  );
  // Prometheus finds it through the stack's service discovery folder (README "Operating it")
  const unregister = pipeline.port === undefined ? () => {} : registerThisProcess(config.stack, 'cashflow-processors', `${topology.options.prefix}${pipeline.processors.join('+')}`, pipeline.port, config.pipeline.metricsHost);
  await pipeline.stopped;
  unregister();
}

