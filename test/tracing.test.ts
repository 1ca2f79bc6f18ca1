// Tracing end to end (docs/monitoring.md "Tracing"): with OTEL_TRACES_EXPORTER=zipkin, one market
// tick committed to the source table is one trace in a real Zipkin, found through its HTTP API:
// the change's own span from the source commit (Debezium's source.ts_ms), then market-ingest,
// impact, the calculator and the sink down to the transaction that commits the rows, each
// stage's span a child of the previous stage's send. The shared stack's Zipkin is used when it
// runs (`stack up --tracing`); otherwise the test starts its own on a free port.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { checkZipkin } from '../stack/health.js';
import { freePort } from '../stack/free-port.js';
import { PrivateProcess } from '../stack/private/process.js';
import { ensureZipkinJar, zipkinArgs } from '../stack/zipkin.js';
import { fetchTrace, findTraces, type ZipkinSpan } from '../tracing/zipkin-api.js';
import { startApi } from '../api/index.js';
import { pamTerms } from './support/pam-terms.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';

const dir = mkdtempSync(join(tmpdir(), 'cashflow-tracing-'));
let zipkin: PrivateProcess | undefined;
let zipkinUrl = '';
let env: PipelineEnv;

/** A PAM whose rate resets on `code` (so it waits for it, then is computed from it). */
const floating = (id: string, code: string) =>
  pamTerms({
    contractID: id,
    cycleAnchorDateOfRateReset: '2015-04-15T00:00:00',
    cycleOfRateReset: 'P3ML1',
    rateSpread: '0.02',
    rateMultiplier: '1.0',
    marketObjectCodeOfRateReset: code,
  });

beforeAll(async () => {
  const stackConfig = loadConfig(process.env, ['stack', 'tracing']);
  if ((await checkZipkin(stackConfig)).healthy)
    zipkinUrl = `http://127.0.0.1:${stackConfig.stack.ports.zipkin}`;
  else {
    const port = await freePort();
    const jar = await ensureZipkinJar(join(stackConfig.stack.dir, 'zipkin'), (l) =>
      process.stderr.write(`${l}\n`),
    );
    zipkinUrl = `http://127.0.0.1:${port}`;
    zipkin = new PrivateProcess(
      `the private Zipkin on ${zipkinUrl}`,
      join(dir, 'zipkin.log'),
      () => ({ command: 'java', args: zipkinArgs(jar, port), cwd: dir, env: {}, marker: '' }),
      async () => (await fetch(`${zipkinUrl}/health`).catch(() => undefined))?.ok === true,
    );
    await zipkin.start(180_000);
  }
  // read by the SDK's batch span processor itself: export within a fifth of a second
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  env = new PipelineEnv('trc', {
    env: {
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkinUrl}/api/v2/spans`,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_SERVICE_NAME: `cashflow-trc-${Math.random().toString(16).slice(2, 8)}`,
    },
  });
  await env.setUp();
  await env.startProcessors();
});

afterAll(async () => {
  await env?.tearDown();
  await zipkin?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const tag = (s: ZipkinSpan, key: string) => s.tags?.[key];

describe('tracing into Zipkin', () => {
  it("one market tick is one trace from its source commit through every stage to the sink's commit", async () => {
    const code = 'TRC_SWP';
    await env.db.upsertContracts(
      ['T1', 'T2'].map((id) => ({
        contractId: id,
        contractType: 'PAM',
        terms: JSON.stringify(floating(id, code)),
      })),
    );
    await eventually('T1 and T2 waiting for their market data', async () => {
      const v = await env.db.cashflowVersions(['T1', 'T2']);
      return v.length === 2 && v.every((x) => x.status === 'waiting');
    });

    const before = Date.now();
    await env.db.upsertMarketData([
      { marketObjectCode: code, observedAt: '2015-04-01T00:00:00', value: 0.01 },
    ]);
    const after = Date.now();
    await eventually(
      'T1 and T2 computed',
      async () => (await env.db.cashflowVersions(['T1', 'T2'])).every((x) => x.status === 'computed'),
      120_000,
    );

    const t = env.topology;
    const cdcTopic = t.topic('cdcMarketData').name;
    const serviceName = env.config.tracing.serviceName!;
    // the trace is complete once its commit span is in Zipkin (spans arrive batch by batch)
    const trace = await eventually(
      "the tick's trace with its commit span in Zipkin",
      async () => {
        const traces = await findTraces(zipkinUrl, {
          serviceName,
          spanName: `send ${cdcTopic}`,
          lookbackMs: 600_000,
        });
        const found = traces.filter((tr) => tr.some((s) => s.name === `send ${cdcTopic}` && !s.parentId));
        if (found.length !== 1) return undefined;
        const spans = found[0]!;
        const commits = spans.filter((s) => s.name === 'commit contract_cashflows');
        const written = commits.reduce((n, s) => n + Number(tag(s, 'db.operation.batch.size')), 0);
        return written === 2 ? spans : undefined;
      },
      60_000,
      500,
    );

    // one trace id, and every parent in it
    const ids = new Set(trace.map((s) => s.id));
    expect(new Set(trace.map((s) => s.traceId)).size).toBe(1);
    const roots = trace.filter((s) => !s.parentId);
    expect(roots).toHaveLength(1);
    for (const s of trace) if (s.parentId) expect(ids.has(s.parentId), `parent of ${s.name}`).toBe(true);

    // the root: the change, from its source commit (between our call's start and end) to Kafka
    const root = roots[0]!;
    expect(root.kind).toBe('PRODUCER');
    expect(tag(root, 'db.system.name')).toBe('postgresql');
    expect(tag(root, 'db.collection.name')).toBe('market_data');
    expect(tag(root, 'messaging.destination.name')).toBe(cdcTopic);
    const commitMs = Number(tag(root, 'cashflow.source.commit_ts_ms'));
    expect(commitMs).toBeGreaterThanOrEqual(before - 1000);
    expect(commitMs).toBeLessThanOrEqual(after + 1000);
    expect(root.timestamp).toBe(commitMs * 1000);

    // each stage consumed what the one before it sent: process <topic> is a child of send <topic>
    const byId = new Map(trace.map((s) => [s.id, s]));
    const stages: [string, string][] = [
      ['market-ingest', cdcTopic],
      ['impact', t.topic('marketObservations').name],
      ['calculator', t.topic('recalcRequests').name],
      ['sink', t.topic('contractCashflows').name],
    ];
    for (const [processor, topic] of stages) {
      const batches = trace.filter(
        (s) => s.name === `process ${topic}` && tag(s, 'cashflow.processor') === processor,
      );
      expect(batches.length, `${processor}'s batch spans`).toBeGreaterThanOrEqual(1);
      for (const b of batches) {
        expect(b.kind).toBe('CONSUMER');
        expect(tag(b, 'messaging.system')).toBe('kafka');
        expect(tag(b, 'messaging.consumer.group.name')).toBe(t.processor(processor as never).consumerGroup);
        const parent = byId.get(b.parentId!)!;
        expect(parent.name).toBe(`send ${topic}`);
        expect(parent.kind).toBe('PRODUCER');
      }
    }
    // the sink's transaction: a client span under the sink's batch
    const commits = trace.filter((s) => s.name === 'commit contract_cashflows');
    for (const c of commits) {
      expect(c.kind).toBe('CLIENT');
      expect(tag(c, 'db.namespace')).toBe(env.dbName);
      expect(tag(c, 'db.operation.name')).toBe('COMMIT');
      expect(tag(byId.get(c.parentId!)!, 'cashflow.processor')).toBe('sink');
      expect(c.timestamp! + c.duration!).toBeGreaterThan(root.timestamp!);
    }
  });

  it('an API request is a server span, child of the traceparent the client sent', async () => {
    const api = await startApi({
      config: env.config,
      topology: env.topology,
      redisPrefix: env.redisPrefix,
      port: 0,
    });
    try {
      const traceId = randomBytes(16).toString('hex');
      const parentId = randomBytes(8).toString('hex');
      const res = await fetch(`http://127.0.0.1:${api.port}/healthz`, {
        headers: { traceparent: `00-${traceId}-${parentId}-01` },
      });
      expect(res.status).toBe(200);
      const spans = await eventually(
        'the request span in Zipkin',
        async () =>
          (await fetchTrace(zipkinUrl, traceId).catch(() => undefined))?.filter((s) => s.kind === 'SERVER'),
        30_000,
        300,
      );
      expect(spans).toHaveLength(1);
      expect(spans[0]).toMatchObject({
        name: 'get /healthz',
        parentId,
        localEndpoint: { serviceName: env.config.tracing.serviceName },
      });
      expect(spans[0]!.tags).toMatchObject({
        'http.request.method': 'GET',
        'http.route': '/healthz',
        'http.response.status_code': '200',
      });
    } finally {
      await api.close();
    }
  });
});
