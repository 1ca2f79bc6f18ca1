// Tracing (tracing/, docs/monitoring.md "Tracing"). The names are the OpenTelemetry SDK's own
// (its environment variable specification); the SDK reads the rest (OTEL_BSP_*,
// OTEL_RESOURCE_ATTRIBUTES) itself.
import { lazyFields } from './lazy.js';
import { oneOf, quoted, text, url, type FieldOf } from './variables.js';

export type TraceExporter = 'none' | 'zipkin' | 'console';
export type TraceSampler = (typeof traceSamplers)[number];

/** The samplers of the SDK's environment variable specification. */
export const traceSamplers = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export interface TracingConfig {
  /**
   * OTEL_TRACES_EXPORTER: zipkin, console or none. Default: zipkin when
   * OTEL_EXPORTER_ZIPKIN_ENDPOINT is set, else none (no spans are made at all);
   * OTEL_SDK_DISABLED=true is none whatever else is set.
   */
  exporter: TraceExporter;
  /** OTEL_EXPORTER_ZIPKIN_ENDPOINT: default the stack's Zipkin (STACK_ZIPKIN_PORT). */
  zipkinEndpoint: string;
  /** OTEL_TRACES_SAMPLER: default parentbased_traceidratio (docs/monitoring.md says why). */
  sampler: TraceSampler;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the ratio samplers, 0 to 1 (default 0.1). */
  samplerRatio: number;
  /** OTEL_SERVICE_NAME: overrides the name each process gives itself (cashflow-<processors>, cashflow-api). */
  serviceName?: string;
}

export function tracingFields(field: FieldOf, zipkinPort: () => number): TracingConfig {
  const zipkinEndpoint = field((v) =>
    url(v, 'OTEL_EXPORTER_ZIPKIN_ENDPOINT', () => `http://127.0.0.1:${zipkinPort()}/api/v2/spans`, ['http', 'https'], {
      fallbackFrom: 'STACK_ZIPKIN_PORT',
    }),
  );
  return lazyFields<TracingConfig>({
    exporter: field((v) => {
      if (oneOf(v, 'OTEL_SDK_DISABLED', ['true', 'false'] as const, 'false') === 'true') return 'none';
      zipkinEndpoint(); // first, so that `cashflow config` records the endpoint with its default
      // recorded above with its default: this read only asks whether it was set
      const endpointSet = text(v, 'OTEL_EXPORTER_ZIPKIN_ENDPOINT') !== undefined;
      const fallback = endpointSet ? 'zipkin' : 'none';
      // the SDK's default is otlp, which this project does not ship: name what it does ship
      if (v.read('OTEL_TRACES_EXPORTER', { fallback })!.toLowerCase() === 'otlp') {
        v.problem('OTEL_TRACES_EXPORTER', 'otlp is not bundled: use zipkin (OTEL_EXPORTER_ZIPKIN_ENDPOINT), console or none');
        return 'none';
      }
      return oneOf(v, 'OTEL_TRACES_EXPORTER', ['none', 'zipkin', 'console'] as const, fallback);
    }),
    zipkinEndpoint,
    sampler: field((v) => oneOf(v, 'OTEL_TRACES_SAMPLER', traceSamplers, 'parentbased_traceidratio')),
    samplerRatio: field((v) => {
      const raw = v.read('OTEL_TRACES_SAMPLER_ARG', { fallback: '0.1' })!;
      const ratio = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
        v.problem('OTEL_TRACES_SAMPLER_ARG', `expected a ratio between 0 and 1, got ${quoted(raw)}`);
        return 0.1;
      }
      return ratio;
    }),
    serviceName: field((v) => text(v, 'OTEL_SERVICE_NAME')),
  });
}
