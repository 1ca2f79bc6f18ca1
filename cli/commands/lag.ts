// `cashflow lag`: every processor's consumer lag per partition, in records and in seconds (age
// of the oldest unprocessed record), read from the broker; `--serve` exports the same on
// /metrics under kafka-lag-exporter's names for Prometheus (monitoring/lag-exporter.ts,
// docs/monitoring.md). `cashflow start` runs one `lag --serve` beside the processors.
import { isRetriable } from '../../clients/errors.js';
import { loadConfig } from '../../config/config.js';
import { createLagExporter } from '../../monitoring/lag-exporter.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { configUses, UserFacingError } from '../command.js';
import { serveMetrics } from '../../monitoring/metrics-server.js';
import { registerThisProcess } from '../../monitoring/targets.js';

/** `cashflow lag` */
export async function action(opts: { serve?: boolean; port?: string; topicPrefix?: string; json?: boolean }): Promise<void> {
  const config = loadConfig(process.env, ['kafka', ...configUses.topology, ...(opts.serve ? (['stack.monitoring', 'pipeline.metricsHost'] as const) : [])]);
  const port = opts.port === undefined ? config.stack.monitoring.lagExporterPort : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserFacingError(`--port: expected a port (0–65535), got "${opts.port}"`, 2);
  const topology = topologyFromConfig(
    config,
    opts.topicPrefix !== undefined ? { prefix: opts.topicPrefix } : {},
  );
  let exporter;
  try {
    exporter = await createLagExporter(config, topology);
  } catch (e) {
    if (isRetriable(e)) throw new UserFacingError((e as Error).message);
    throw e;
  }
  if (!opts.serve) {
    try {
      const s = await exporter.read();
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify(s.partitions.map((p) => ({ ...p, committed: Number(p.committed), lag: Number(p.lag), oldest: p.oldest === undefined ? null : Number(p.oldest) })))}\n`,
        );
      } else {
        process.stdout.write('group topic partition committed lag lag_seconds\n');
        for (const p of s.partitions)
          process.stdout.write(
            `${p.group} ${p.topic} ${p.partition} ${p.committed} ${p.lag} ${p.lagSeconds === undefined ? '?' : p.lagSeconds.toFixed(3)}\n`,
          );
      }
    } finally {
      await exporter.close();
    }
    return;
  }
  const server = await serveMetrics(exporter.metrics.registry, port, config.pipeline.metricsHost).catch(async (e) => {
    await exporter.close();
    if ((e as { code?: string }).code === 'EADDRINUSE')
      throw new UserFacingError(`port ${port} is in use (CASHFLOW_LAG_EXPORTER_PORT or --port moves it)`);
    throw e;
  });
  const unregister = registerThisProcess(
    config.stack,
    'cashflow-lag',
    `${topology.options.prefix}lag-exporter`,
    server.port,
    config.pipeline.metricsHost,
  );
  process.stderr.write(
    `cashflow lag: exporting on http://127.0.0.1:${server.port}/metrics; SIGTERM or Ctrl-C stops\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  unregister();
  await server.close();
  await exporter.close();
}

