// `cashflow start` and its options; what it runs is platform/processes.ts.
import { UserFacingError, configUses } from '../command.js';
import { preparePlatform, startProcessors, startLagExporter, type Say } from '../../platform/processes.js';
import { watchColdStart } from '../../platform/cold-start.js';
import { loadConfig, withMonitoring, withTracing } from '../../config/config.js';
import { withClients } from '../../dependencies/scope.js';
import { topologyFromConfig } from '../../topology/topology.js';

/** `cashflow start` */
export async function action(opts: { calculators: string; monitoring?: boolean; tracing?: boolean; wait?: boolean }): Promise<void> {
  const calculators = Number(opts.calculators);
  if (!Number.isInteger(calculators) || calculators < 1 || calculators > 12) throw new UserFacingError('--calculators must be 1..12', 2);
  const loaded = loadConfig(process.env, configUses.platform);
  const monitored = opts.monitoring ? withMonitoring(loaded) : loaded;
  const config = opts.tracing ? withTracing(monitored) : monitored;
  const say: Say = (line) => process.stderr.write(`${line}\n`);
  await preparePlatform(config, say);
  // with Zipkin in the stack, the processors export to it unless told otherwise (OTEL_TRACES_EXPORTER)
  const tracingEnv: Record<string, string> =
    config.stack.monitoring.tracing && config.tracing.exporter === 'none' && !process.env.OTEL_TRACES_EXPORTER && !process.env.OTEL_SDK_DISABLED
      ? { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_EXPORTER_ZIPKIN_ENDPOINT: config.tracing.zipkinEndpoint }
      : {};
  const r = await startProcessors(config, { calculators, extraEnv: tracingEnv });
  const all = [...r.alreadyRunning, ...r.started];
  // lag is exported only for a Prometheus to scrape (README "Operating it")
  const lag = config.stack.monitoring.enabled ? await startLagExporter(config) : undefined;
  process.stdout.write(
    r.started.length === 0
      ? `processors: all ${all.length} already running (nothing started)\n`
      : `processors: started ${r.started.map((p) => p.name).join(', ')}${r.alreadyRunning.length ? `; already running ${r.alreadyRunning.map((p) => p.name).join(', ')}` : ''}\n`,
  );
  for (const p of all.sort((a, b) => a.metricsPort - b.metricsPort))
    process.stdout.write(`${p.name.padEnd(16)} log ${p.logFile}  metrics http://127.0.0.1:${p.metricsPort}/metrics  health http://127.0.0.1:${p.metricsPort}/healthz /readyz\n`);
  if (lag) process.stdout.write(`${'lag-exporter'.padEnd(16)} log ${lag.logFile}  metrics http://127.0.0.1:${lag.metricsPort}/metrics\n`);
  if (config.stack.monitoring.enabled) process.stdout.write(`prometheus       http://127.0.0.1:${config.stack.ports.prometheus}\n`);
  if (config.stack.monitoring.tracing) process.stdout.write(`zipkin           http://127.0.0.1:${config.stack.ports.zipkin}  (one trace as SVG: cashflow trace <traceId>)\n`);
  process.stdout.write('stop with: cashflow stop\n');
  if (opts.wait) {
    // a first start against a book already in the database: the snapshot, then every contract's
    // result (platform/cold-start.ts); on a pipeline that has caught up, this returns at once
    const topology = topologyFromConfig(config);
    const r = await withClients(config, async (clients) => watchColdStart(await clients.admin(), topology, (await clients.sql()).q));
    process.stdout.write(
      `every contract has its result: ${r.status.computed} of ${r.status.contracts} (${r.status.sourceRows} source rows snapshotted) after ${r.seconds.toFixed(1)} s of waiting\n`,
    );
  }
}

