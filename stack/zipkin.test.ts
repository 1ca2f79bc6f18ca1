import { describe, expect, it } from 'vitest';
import { loadConfig, withTracing } from '../config/config.js';
import { launchSpec } from './config-files.js';
import { reportedComponents, stackLayout, wantedProcessComponents } from './layout.js';
import { statusHints } from './status.js';
import { zipkinArgs, zipkinMarker } from './zipkin.js';

describe('the stack with tracing', () => {
  it('is asked for by CASHFLOW_STACK_TRACING=1 or --tracing, and adds Zipkin to what up starts and status reports', () => {
    expect(loadConfig({}).stack.monitoring.tracing).toBe(false);
    expect(loadConfig({ CASHFLOW_STACK_TRACING: '1' }).stack.monitoring.tracing).toBe(true);
    expect(withTracing(loadConfig({})).stack.monitoring.tracing).toBe(true);
    expect(() => loadConfig({ CASHFLOW_STACK_TRACING: 'on' })).toThrow(/CASHFLOW_STACK_TRACING/);
    expect(wantedProcessComponents(false, true)).toEqual([
      'kafka',
      'schema-registry',
      'connect',
      'redis',
      'zipkin',
    ]);
    expect(wantedProcessComponents(true, false)).not.toContain('zipkin');
    expect(reportedComponents(false, true)).toEqual([
      'kafka',
      'schema-registry',
      'connect',
      'postgres',
      'redis',
      'zipkin',
    ]);
  });

  it('runs the exec jar from the stack folder on STACK_ZIPKIN_PORT, marked as ours', () => {
    const config = loadConfig({ STACK_ZIPKIN_PORT: '19411', CASHFLOW_STACK_DIR: '/tmp/s' });
    const layout = stackLayout(config.stack.dir, '3.0.9');
    const spec = launchSpec('zipkin', config.stack.ports, layout, {
      version: '3.0.9',
      database: { host: 'h', port: 1, database: 'd', user: 'u', password: '' },
    });
    expect(spec.command).toBe('java');
    expect(spec.args).toEqual(zipkinArgs('/tmp/s/zipkin/zipkin-server-3.5.1-exec.jar', 19411));
    expect(spec.args).toContain('--server.port=19411');
    expect(spec.marker).toBe(zipkinMarker);
    expect(spec.args).toContain(zipkinMarker);
  });

  it('status: a stopped Zipkin is started with --tracing; one elsewhere is a matter of OTEL_EXPORTER_ZIPKIN_ENDPOINT', () => {
    const down = {
      component: 'zipkin' as const,
      healthy: false,
      url: 'http://127.0.0.1:9411',
      detail: 'connection refused',
      answering: false,
    };
    expect(statusHints([down], withTracing(loadConfig({})))).toEqual([
      'start with: cashflow stack up --tracing (zipkin); logs: cashflow stack logs',
    ]);
    const elsewhere = withTracing(
      loadConfig({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://zipkin.example:9411/api/v2/spans' }),
    );
    expect(statusHints([down], elsewhere)[0]).toMatch(/OTEL_EXPORTER_ZIPKIN_ENDPOINT/);
  });
});
