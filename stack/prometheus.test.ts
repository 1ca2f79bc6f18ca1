import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/config.js';
import { launchSpec, prometheusSettings } from './config-files.js';
import { reportedComponents, stackLayout, wantedProcessComponents } from './layout.js';
import { prometheusConfig } from './prometheus.js';

const dir = mkdtempSync(join(tmpdir(), 'cashflow-prometheus-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the stack with monitoring', () => {
  const config = loadConfig({
    CASHFLOW_STACK_DIR: dir,
    CASHFLOW_STACK_MONITORING: '1',
    STACK_PROMETHEUS_PORT: '19090',
    CASHFLOW_SCRAPE_INTERVAL_SECONDS: '5',
  });
  const layout = stackLayout(dir, '3.0.9');
  const settings = prometheusSettings(
    config.stack.ports,
    layout,
    config.stack.monitoring.scrapeIntervalSeconds,
  );

  it('is asked for by CASHFLOW_STACK_MONITORING=1 and adds Prometheus to what up starts and status reports', () => {
    expect(loadConfig({}).stack.monitoring).toEqual({ enabled: false, scrapeIntervalSeconds: 15, lagExporterPort: 9463, tracing: false });
    expect(config.stack.monitoring).toEqual({ enabled: true, scrapeIntervalSeconds: 5, lagExporterPort: 9463, tracing: false });
    expect(() => loadConfig({ CASHFLOW_STACK_MONITORING: 'yes' })).toThrow(/CASHFLOW_STACK_MONITORING/);
    expect(wantedProcessComponents(false)).not.toContain('prometheus');
    expect(wantedProcessComponents(true)).toContain('prometheus');
    expect(reportedComponents(false)).toEqual(['kafka', 'schema-registry', 'connect', 'postgres', 'redis']);
    expect(reportedComponents(true)).toEqual([
      'kafka',
      'schema-registry',
      'connect',
      'postgres',
      'redis',
      'prometheus',
    ]);
  });

  it('writes a configuration promtool accepts: one job per kind of process from the target files, the alert rules', () => {
    const text = prometheusConfig(settings);
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, text);
    const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
    if (r.error)
      throw new Error(`promtool cannot run (${r.error.message}): bash scripts/setup.sh installs it`);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const parsed = parse(text) as {
      global: Record<string, string>;
      scrape_configs: { job_name: string; file_sd_configs: { files: string[] }[] }[];
      rule_files: string[];
    };
    expect(parsed.global.scrape_interval).toBe('5s');
    expect(parsed.scrape_configs.map((s) => s.job_name)).toEqual([
      'cashflow-processors',
      'cashflow-api',
      'cashflow-lag',
    ]);
    expect(parsed.scrape_configs[0]!.file_sd_configs[0]!.files).toEqual([
      join(dir, 'prometheus', 'targets', 'cashflow-processors--*.json'),
    ]);
    expect(parsed.rule_files[0]).toMatch(/ops\/prometheus\/alerts\.yml$/);
  });

  it('runs Prometheus on 127.0.0.1 at the configured port, its data in the stack folder, recognised by its config path', () => {
    const spec = launchSpec(
      'prometheus',
      config.stack.ports,
      layout,
      { version: '3.0.9', database: { host: '', port: 0, database: '', user: '', password: '' } },
      config.stack.monitoring,
    );
    expect(spec.command).toBe('prometheus');
    expect(spec.args).toContain('--web.listen-address=127.0.0.1:19090');
    expect(spec.args).toContain(`--storage.tsdb.path=${join(dir, 'data', 'prometheus')}`);
    expect(spec.marker).toBe(`--config.file=${join(dir, 'conf', 'prometheus.yml')}`);
    expect(spec.args).toContain(spec.marker);
  });
});
