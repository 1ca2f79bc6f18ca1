// The process's tracer: the OpenTelemetry SDK started from the configuration (OTEL_*), or
// nothing. With no exporter (the default), the SDK is not started and activeTracer() is
// undefined, so the runner neither reads headers nor makes spans (docs/monitoring.md "Tracing").
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import * as base from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config/config.js';

interface Started {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

let started: Started | undefined;
let starting: Promise<Started | undefined> | undefined;
let holders = 0;

/** The tracer when tracing is on in this process, else undefined (one load: cheap on hot paths). */
export function activeTracer(): Tracer | undefined {
  return started?.tracer;
}

/**
 * Starts the SDK for the process, once: a batch span processor (OTEL_BSP_* as the SDK reads
 * them) to the configured exporter, the W3C propagator and the async-hooks context manager
 * registered globally, so that `trace.getActiveSpan()` works for every module of the process.
 * `serviceName` unless OTEL_SERVICE_NAME says otherwise (the first holder's name is kept).
 * Returns the release: the last holder's flushes what is buffered and stops the SDK, so that
 * several pipelines of one process (tests, the demo) share it.
 */
export async function holdTracing(
  config: TracingConfig | undefined,
  serviceName: string,
): Promise<() => Promise<void>> {
  if (!config || config.exporter === 'none') return async () => {};
  holders++;
  starting ??= load(config, config.serviceName ?? serviceName).then((s) => (started = s));
  try {
    await starting;
  } catch (e) {
    holders--;
    starting = undefined;
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--holders > 0) return;
    const s = started;
    started = undefined;
    starting = undefined;
    if (!s) return;
    await s.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  };
}

async function load(config: TracingConfig, serviceName: string): Promise<Started> {
  const exporter =
    config.exporter === 'zipkin'
      ? new ZipkinExporter({
          url: config.zipkinEndpoint,
          serviceName,
        })
      : new base.ConsoleSpanExporter();
  const provider = new NodeTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES (envDetector) add to the name; OTEL_SERVICE_NAME was applied above
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }).merge(
      detectResources({ detectors: [envDetector] }),
    ),
    sampler: samplerOf(config, base),
    spanProcessors: [new base.BatchSpanProcessor(exporter)],
  });
  provider.register();
  return { tracer: provider.getTracer('cashflow'), shutdown: () => provider.shutdown() };
}

type Samplers = Pick<typeof base, 'AlwaysOnSampler' | 'AlwaysOffSampler' | 'TraceIdRatioBasedSampler' | 'ParentBasedSampler'>;

/** The sampler OTEL_TRACES_SAMPLER names (the SDK's own values), with our default. */
export function samplerOf(config: Pick<TracingConfig, 'sampler' | 'samplerRatio'>, s: Samplers) {
  const root = (name: string) =>
    name === 'always_on'
      ? new s.AlwaysOnSampler()
      : name === 'always_off'
        ? new s.AlwaysOffSampler()
        : new s.TraceIdRatioBasedSampler(config.samplerRatio);
  if (!config.sampler.startsWith('parentbased_')) return root(config.sampler);
  return new s.ParentBasedSampler({ root: root(config.sampler.slice('parentbased_'.length)) });
}
