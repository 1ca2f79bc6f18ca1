// Every PromQL expression of the dashboards (ops/grafana) and the alert rules (ops/prometheus)
// parses, and every metric it names is one the processes really export: the names are taken
// from the registries the processes serve on /metrics (processors, verifier, API, lag
// exporter), not from a list kept by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoFile } from '../config/repo-file.js';
import { ApiMetrics } from '../api/metrics.js';
import { LagMetrics } from '../monitoring/lag-metrics.js';
import { PipelineMetrics } from '../processors/metrics.js';
import { createVerifier } from '../processors/verifier.js';

interface Expression {
  where: string;
  expr: string;
}

/** Grafana's own variables, replaced by what Grafana puts there before the query is sent. */
function asPromQL(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h');
}

function dashboardExpressions(): Expression[] {
  const dir = repoFile('ops', 'grafana');
  const out: Expression[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    for (const p of d.panels)
      for (const t of p.targets ?? []) out.push({ where: `${f} "${p.title}"`, expr: asPromQL(t.expr) });
  }
  return out;
}

function ruleExpressions(): Expression[] {
  const rules = parse(readFileSync(repoFile('ops', 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alerts.yml ${r.alert}`, expr: r.expr })));
}

/** The metric names of a PromQL expression, and whether it parsed without error. */
export function metricNames(expr: string): { names: string[]; errors: string[] } {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const errors: string[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError)
      errors.push(`at ${cursor.from}: "${expr.slice(Math.max(0, cursor.from - 10), cursor.to + 10)}"`);
    if (cursor.name === 'VectorSelector') {
      const node = cursor.node.getChild('Identifier');
      if (node) names.push(expr.slice(node.from, node.to));
    }
  } while (cursor.next());
  return { names, errors };
}

/** Series names a registry serves: a histogram is its _bucket, _sum and _count. */
function exported(registry: client.Registry): string[] {
  return registry.getMetricsAsArray().flatMap((m) => {
    const { name, type } = m as unknown as { name: string; type: string };
    return type === 'histogram'
      ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
      : type === 'summary'
        ? [name, `${name}_sum`, `${name}_count`]
        : [name];
  });
}

async function exportedMetricNames(): Promise<Set<string>> {
  const pipeline = new PipelineMetrics();
  const verifier = createVerifier({ ratePerSecond: 1, graceMs: 1000 }).background!;
  verifier.start({
    database: () => new Promise(() => {}),
    registry: pipeline.registry,
    horizon: 'P30Y',
    log: () => {},
    now: Date.now,
  });
  await verifier.stop();
  const lag = new LagMetrics(() => Promise.reject(new Error('not read in this test')));
  // `up` is Prometheus's own, one per target
  return new Set([
    'up',
    ...exported(pipeline.registry),
    ...exported(new ApiMetrics().registry),
    ...exported(lag.registry),
  ]);
}

describe('PromQL of the dashboards and alert rules', () => {
  const all = [...dashboardExpressions(), ...ruleExpressions()];

  it('finds the expressions (two dashboards, the rules)', () => {
    expect(all.filter((e) => e.where.startsWith('pipeline.json')).length).toBeGreaterThanOrEqual(15);
    expect(all.filter((e) => e.where.startsWith('api.json')).length).toBeGreaterThanOrEqual(8);
    expect(all.filter((e) => e.where.startsWith('alerts.yml')).length).toBeGreaterThanOrEqual(8);
  });

  it('every expression parses', () => {
    const broken = all
      .map((e) => ({ ...e, errors: metricNames(e.expr).errors }))
      .filter((e) => e.errors.length > 0);
    expect(broken).toEqual([]);
  });

  it('every metric named exists in what the processes export', async () => {
    const known = await exportedMetricNames();
    const unknown = all.flatMap((e) =>
      metricNames(e.expr)
        .names.filter((n) => !known.has(n))
        .map((n) => `${e.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('catches a misspelt metric and a syntax error (the checks can fail)', async () => {
    const known = await exportedMetricNames();
    expect(
      metricNames('rate(cashflow_records_commited_total[5m])').names.filter((n) => !known.has(n)),
    ).toEqual(['cashflow_records_commited_total']);
    expect(metricNames('sum(rate(cashflow_retries_total[5m])').errors.length).toBeGreaterThan(0);
    expect(
      metricNames('histogram_quantile(0.99, sum by (le) (rate(cashflow_end_to_end_seconds_bucket[5m])))')
        .names,
    ).toEqual(['cashflow_end_to_end_seconds_bucket']);
  });
});
