// Prometheus end to end (README "Operating it"): a real Prometheus (Debian's package), private
// to this test (free port, temp folder), configured as the stack configures it, discovers a
// running pipeline and the lag exporter through the target files the CLI writes, scrapes
// them, and answers queries on its HTTP API with the processors' counters and the consumer lag
// in records and seconds. The expectations come from the broker (topic ends), not from the
// processes' own counters. The sink starts late, so its group has a lag to measure first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type Admin } from '../clients/kafka.js';
import { repoFile } from '../config/repo-file.js';
import { topicEnds } from '../demo/ops.js';
import { createLagExporter, type LagExporter } from '../monitoring/lag-exporter.js';
import { serveMetrics } from '../monitoring/metrics-server.js';
import { registerTarget } from '../monitoring/targets.js';
import { startProcessors, type RunningPipeline } from '../processors/pipeline.js';
import { PROCESSOR_NAMES } from '../processors/registry.js';
import { freePort } from '../stack/free-port.js';
import { prometheusArgs, prometheusConfig, type PrometheusSettings } from '../stack/prometheus.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';

const env = new PipelineEnv('prom');
const dir = mkdtempSync(join(tmpdir(), 'cashflow-prometheus-'));
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let baseUrl = '';
let admin: Admin | undefined;
let exporter: LagExporter | undefined;
let exporterServer: { port: number; close(): Promise<void> } | undefined;
let sink: RunningPipeline | undefined;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** GET /api/v1/query: the instant vector's samples. */
async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: { resultType: string; result: Sample[] };
  };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
  return body.data.result;
}

/** The single value of a query, once Prometheus has it equal to `expected` (scrapes are 1 s apart). */
async function valueBecomes(promql: string, expected: number, timeoutMs = 60_000): Promise<Sample> {
  let last: Sample[] = [];
  try {
    return await eventually(
      `${promql} == ${expected}`,
      async () => {
        last = await query(promql);
        return last.length === 1 && Number(last[0]!.value[1]) === expected ? last[0] : undefined;
      },
      timeoutMs,
      500,
    );
  } catch (e) {
    throw new Error(
      `${(e as Error).message}; last answer ${JSON.stringify(last)}; prometheus log tail:\n${prometheusLog.slice(-2000)}`,
    );
  }
}

const sumEnds = async (topic: string) =>
  [...(await topicEnds(admin!, env.topology.topic(topic as never).name)).values()].reduce(
    (a, b) => a + b,
    0n,
  );

beforeAll(async () => {
  await env.setUp();
  admin = await createAdmin(env.config);
  const targets = join(dir, 'targets');
  // every processor but the sink, in one process, as `cashflow run` would register it
  const pipeline = await env.startProcessors({ processors: PROCESSOR_NAMES.filter((n) => n !== 'sink') });
  registerTarget(targets, {
    job: 'cashflow-processors',
    process: 'upstream',
    address: `127.0.0.1:${pipeline.port}`,
  });
  exporter = await createLagExporter(env.config, env.topology);
  exporterServer = await serveMetrics(exporter.metrics.registry, 0);
  registerTarget(targets, {
    job: 'cashflow-lag',
    process: 'lag-exporter',
    address: `127.0.0.1:${exporterServer.port}`,
  });

  const settings: PrometheusSettings = {
    port: await freePort(),
    scrapeIntervalSeconds: 1,
    targetsDir: targets,
    dataDir: join(dir, 'data'),
    configFile: join(dir, 'prometheus.yml'),
    rulesFiles: [repoFile('ops', 'prometheus', 'alerts.yml')],
  };
  writeFileSync(settings.configFile, prometheusConfig(settings));
  baseUrl = `http://127.0.0.1:${settings.port}`;
  prometheus = spawn('prometheus', prometheusArgs(settings), { stdio: ['ignore', 'pipe', 'pipe'] });
  prometheus.on(
    'error',
    (e) => (prometheusLog += `cannot start prometheus: ${e.message} (bash scripts/setup.sh installs it)\n`),
  );
  prometheus.stdout!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  prometheus.stderr!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  await eventually('prometheus ready', async () => (await fetch(`${baseUrl}/-/ready`)).ok, 60_000, 250).catch(
    (e) => {
      throw new Error(`${(e as Error).message}\n${prometheusLog.slice(-2000)}`);
    },
  );
});

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await sink?.stop();
  await exporterServer?.close();
  await exporter?.close();
  await admin?.disconnect();
  await env.tearDown();
  rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus scraping a running pipeline', () => {
  const sinkGroup = () => env.topology.processor('sink').consumerGroup;

  it('loads the alert rules and finds every registered process up', async () => {
    const res = (await (await fetch(`${baseUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string }[] }[] };
    };
    const rules = res.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name)).toContain('CashflowConsumerLagHigh');
    expect(rules.length).toBeGreaterThanOrEqual(9);
    await valueBecomes('count(up{job="cashflow-processors"} == 1)', 1);
    await valueBecomes('count(up{job="cashflow-lag"} == 1)', 1);
  });

  it("reads back the calculator's committed records and the sink group's lag in records and seconds", async () => {
    const before = Date.now();
    const ids = Array.from({ length: 12 }, (_, i) => `P${i + 1}`);
    await env.db.upsertContracts(
      ids.map((id) => ({
        contractId: id,
        contractType: 'PAM',
        terms: JSON.stringify({
          contractType: 'PAM',
          contractID: id,
          statusDate: '2012-12-30T00:00:00',
          contractDealDate: '2012-12-28T00:00:00',
          currency: 'USD',
          notionalPrincipal: String(1000 + Number(id.slice(1))),
          initialExchangeDate: '2013-01-01T00:00:00',
          maturityDate: '2014-01-01T00:00:00',
          nominalInterestRate: '0.05',
          cycleAnchorDateOfInterestPayment: '2013-01-01T00:00:00',
          cycleOfInterestPayment: 'P3ML0',
          dayCountConvention: '30E360',
          endOfMonthConvention: 'SD',
          contractRole: 'RPA',
        }),
      })),
    );
    // every contract computed: as many results on the calculator's output as contracts (the sink does not run)
    const results = await eventually('12 results on contract-cashflows', async () => {
      const n = await sumEnds('contractCashflows');
      return n >= BigInt(ids.length) ? n : undefined;
    });
    const resultsSeen = Date.now();
    // the calculator committed every request on its inputs: the broker's count is the expectation
    const calculatorInputs = env.topology.processor('calculator').inputs;
    const requests = await eventually('the calculator caught up', async () => {
      let total = 0n;
      for (const t of calculatorInputs) total += await sumEnds(t);
      const committed = (await env.pipeline!.metrics.recordsCommitted.get()).values
        .filter((v) => v.labels.processor === 'calculator')
        .reduce((n, v) => n + v.value, 0);
      return committed === Number(total) && total > 0n ? total : undefined;
    });
    await valueBecomes('sum(cashflow_records_committed_total{processor="calculator"})', Number(requests));

    // lag in records: every result waits for the sink's group
    await valueBecomes(`sum(kafka_consumergroup_group_lag{group="${sinkGroup()}"})`, Number(results));
    const perPartition = await query(`kafka_consumergroup_group_lag{group="${sinkGroup()}"} > 0`);
    expect(perPartition.length).toBeGreaterThan(0);
    for (const s of perPartition)
      expect(s.metric).toMatchObject({
        group: sinkGroup(),
        topic: env.topology.topic('contractCashflows').name,
        partition: expect.stringMatching(/^\d+$/),
      });

    // lag in seconds: the oldest result was produced between `before` and `resultsSeen`; it
    // ages as the sink does not run (a constant or a guess would not reach 3 s), and the sample
    // was scraped at most a couple of seconds before the query's evaluation time
    const seconds = await eventually(
      'the oldest unprocessed result 3 s old',
      async () => {
        const [s] = await query(`max(kafka_consumergroup_group_lag_seconds{group="${sinkGroup()}"})`);
        return s && Number(s.value[1]) >= 3 ? s : undefined;
      },
      60_000,
      500,
    );
    const [at, raw] = seconds.value;
    const age = Number(raw);
    expect(age).toBeGreaterThan(at - resultsSeen / 1000 - 3);
    expect(age).toBeLessThanOrEqual(at - before / 1000 + 1);
    const [groupMax] = await query(`kafka_consumergroup_group_max_lag_seconds{group="${sinkGroup()}"}`);
    expect(Number(groupMax!.value[1])).toBeGreaterThan(0);
    process.stderr.write(
      `prometheus test: calculator committed ${requests} requests; sink lag ${results} records over ${perPartition.length} partitions, oldest ${age.toFixed(3)} s old\n`,
    );
  });

  it('sees the lag drop to zero and the sink commit every result once the sink runs', async () => {
    const results = await sumEnds('contractCashflows');
    sink = await startProcessors({
      config: env.config,
      topology: env.topology,
      processors: ['sink'],
      redisPrefix: env.redisPrefix,
      metricsPort: 0,
      backoff: { initialMs: 50, maxMs: 1000 },
      log: () => {},
    });
    registerTarget(join(dir, 'targets'), {
      job: 'cashflow-processors',
      process: 'sink',
      address: `127.0.0.1:${sink.port}`,
    });
    await valueBecomes('count(up{job="cashflow-processors"} == 1)', 2);
    await valueBecomes(`sum(kafka_consumergroup_group_lag{group="${sinkGroup()}"})`, 0);
    await valueBecomes(`max(kafka_consumergroup_group_lag_seconds{group="${sinkGroup()}"})`, 0);
    await valueBecomes('sum(cashflow_records_committed_total{processor="sink"})', Number(results));
    // both processes have their Redis state (CashflowRedisStateLost reads this gauge)
    await valueBecomes('count(cashflow_state_ready == 1)', 2);
    expect((await query('ALERTS{alertstate="firing"}')).map((s) => s.metric.alertname)).toEqual([]);
  });
});
