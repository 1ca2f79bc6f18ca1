import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { samplerOf } from './tracer.js';

const samplers = { AlwaysOnSampler, AlwaysOffSampler, TraceIdRatioBasedSampler, ParentBasedSampler };

describe('tracing configuration (OTEL_*)', () => {
  it('off by default: no exporter unless one is named or a Zipkin endpoint is given', () => {
    expect(loadConfig({}).tracing.exporter).toBe('none');
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }).tracing).toMatchObject({
      exporter: 'zipkin',
      zipkinEndpoint: 'http://127.0.0.1:9411/api/v2/spans',
    });
    expect(loadConfig({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:1/api/v2/spans' }).tracing.exporter).toBe(
      'zipkin',
    );
    expect(
      loadConfig({ STACK_ZIPKIN_PORT: '19411', OTEL_TRACES_EXPORTER: 'zipkin' }).tracing.zipkinEndpoint,
    ).toBe('http://127.0.0.1:19411/api/v2/spans');
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin', OTEL_SDK_DISABLED: 'true' }).tracing.exporter).toBe(
      'none',
    );
  });

  it('refuses what it cannot do, naming the variable', () => {
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' })).toThrow(
      /OTEL_TRACES_EXPORTER: otlp is not bundled/,
    );
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG: expected a ratio between 0 and 1/,
    );
    expect(() => loadConfig({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'zipkin:9411' })).toThrow(
      /OTEL_EXPORTER_ZIPKIN_ENDPOINT/,
    );
  });

  it('the default sampler: parent-based, one trace in ten at the root', () => {
    const c = loadConfig({}).tracing;
    expect([c.sampler, c.samplerRatio]).toEqual(['parentbased_traceidratio', 0.1]);
    const s = samplerOf(c, samplers);
    expect(s).toBeInstanceOf(ParentBasedSampler);
    expect(s.toString()).toBe(
      'ParentBased{root=TraceIdRatioBased{0.1}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}',
    );
  });

  it('the SDK-defined sampler names', () => {
    const of = (env: Record<string, string>) => samplerOf(loadConfig(env).tracing, samplers).toString();
    expect(of({ OTEL_TRACES_SAMPLER: 'always_on' })).toBe('AlwaysOnSampler');
    expect(of({ OTEL_TRACES_SAMPLER: 'always_off' })).toBe('AlwaysOffSampler');
    expect(of({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toBe(
      'TraceIdRatioBased{0.25}',
    );
    expect(of({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' })).toMatch(
      /^ParentBased\{root=AlwaysOnSampler,/,
    );
  });
});

describe('cashflow config lists the tracing variables', () => {
  it('with their defaults', async () => {
    const { describeConfig } = await import('../config/config.js');
    const by = new Map(describeConfig({ STACK_ZIPKIN_PORT: '19411' }).readings.map((r) => [r.variable, r]));
    expect(by.get('OTEL_EXPORTER_ZIPKIN_ENDPOINT')).toMatchObject({
      value: 'http://127.0.0.1:19411/api/v2/spans',
      origin: 'default',
      defaultFrom: 'STACK_ZIPKIN_PORT',
    });
    expect(by.get('OTEL_TRACES_EXPORTER')).toMatchObject({ value: 'none', origin: 'default' });
    expect(by.get('OTEL_TRACES_SAMPLER')).toMatchObject({
      value: 'parentbased_traceidratio',
      origin: 'default',
    });
  });
});
