// The first steps of `cashflow bench pipeline` (bench/pipeline.ts): the book loaded through CDC
// and ingest (setup), every contract recomputed (full), and the database's bulk path alone on
// precomputed results (bulk).
import { createProducer } from '../clients/kafka.js';
import { createAvroCodec, registerSchemas } from '../clients/schema-registry.js';
import { postgresConnector } from '../connectors/debezium.js';
import type { MarketDataRow } from '../db/database.js';
import * as ops from '../demo/ops.js';
import { evaluate, eventsToJson, prepareContract, type TimeSeriesObserver } from '../engine/index.js';
import { startProcessors } from '../platform/processes.js';
import { applyTopics } from '../platform/topics.js';
import { benchContract, benchMarketData, TICK_CONTRACTS } from './pipeline-book.js';
import type { PipelineBenchEnv } from './pipeline-env.js';
import { cpuByComponent, cpuDelta, formatCpu } from './stage-tap.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Topics, schemas and the connector of the run (its own name, slot and publication), running. */
export async function applyPlatform(env: PipelineBenchEnv): Promise<void> {
  const { config, topology, admin } = env;
  await applyTopics(admin, topology, config);
  env.subjects.push(...(await registerSchemas(config, topology)).map((s) => s.subject));
  const connector = postgresConnector(config, topology, { name: env.connectorName, slotName: env.slot, publicationName: env.slot });
  await env.connect.putConnectorConfig(connector.name, connector.config);
  await env.connect.waitForRunning(connector.name, 120_000);
}

/** The book's market data, then its contracts, committed to the database (upserts of 5,000 rows). */
export async function writeBook(env: PipelineBenchEnv, contracts: number): Promise<{ marketData: MarketDataRow[] }> {
  const { db } = env;
  // committed before the contracts
  const marketData = benchMarketData(contracts);
  await db.upsertMarketData(marketData);
  const write = await ops.progressBar('writing contracts', contracts, 'rows');
  for (let i = 0; i < contracts; i += 5000) {
    const rows = [];
    for (let j = i; j < Math.min(contracts, i + 5000); j++) {
      const c = benchContract(j, Math.min(TICK_CONTRACTS, contracts));
      rows.push({ contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms) });
    }
    await db.upsertContracts(rows);
    write.update(Math.min(contracts, i + 5000));
    env.checkInterrupted();
  }
  write.stop();
  return { marketData };
}

/**
 * Topics, schemas and the connector of the run; the market data, then the book's contracts
 * committed; ingest and impact fill Redis; the requests impact made for the new contracts are
 * deleted, so nothing is computed yet.
 */
export async function loadBook(env: PipelineBenchEnv, contracts: number): Promise<{ marketData: MarketDataRow[] }> {
  const { config, topology, admin, basePort } = env;
  await applyPlatform(env);
  const { marketData } = await writeBook(env, contracts);

  await startProcessors(config, { only: ['contract-ingest', 'market-ingest', 'impact', 'positions-ingest'], basePort });
  const ingest = await ops.progressBar('ingest + impact', contracts, 'contracts');
  const termsTopic = topology.topic('contractTerms').name;
  const impactGroup = topology.processor('impact').consumerGroup;
  for (;;) {
    const ends = await ops.topicEnds(admin, termsTopic);
    const total = [...ends.values()].reduce((s, v) => s + Number(v), 0);
    const committed = await ops.committedOffsets(admin, impactGroup, termsTopic);
    const done = ops.consumedBetween(committed, new Map(), ends);
    ingest.update(done);
    if (total >= contracts && done >= total) break;
    env.checkInterrupted();
    await sleep(500);
  }
  ingest.stop();
  await env.sampleRss();
  // impact asked for every new contract; the benchmark asks itself, with recalc --all
  const requestsTopic = topology.topic('recalcRequests').name;
  const requestEnds = await ops.topicEnds(admin, requestsTopic);
  await admin.deleteTopicRecords({
    topic: requestsTopic,
    partitions: [...requestEnds].filter(([, end]) => end > 0n).map(([partition, end]) => ({ partition, offset: end.toString() })),
  });
  return { marketData };
}

/**
 * Calculator and sink started; `recalc --all` (the command's own code path) → every
 * contract's result committed.
 */
export async function fullRecompute(
  env: PipelineBenchEnv,
  contracts: number,
  log: (line: string) => void,
): Promise<{ seconds: number; rows: number; cpuPer1000: [string, number][] }> {
  const { config, topology, sql } = env;
  await startProcessors(config, { calculators: env.calculators, only: ['calculator', 'sink'], basePort: env.basePort });
  const requestsTopic = topology.topic('recalcRequests').name;
  const encode = await createAvroCodec(config, topology).encoder('recalcRequests');
  const producer = await createProducer(config, { clientId: 'cashflow-bench' });
  const cpuBeforeFull = cpuByComponent();
  const t0 = performance.now();
  try {
    for await (const page of ops.contractIdPages(config)) await ops.sendRecalcRequests(producer, requestsTopic, encode, page.map((id) => ops.manualRequest(id)));
  } finally {
    await producer.disconnect();
  }
  const produced = (performance.now() - t0) / 1000;
  log(`recalc --all: ${contracts} requests produced in ${produced.toFixed(1)} s`);
  const full = await ops.progressBar('full recompute', contracts, 'contracts');
  let have = 0;
  for (;;) {
    have = Number((await sql.q('SELECT count(*) AS n FROM cashflow_versions', []))[0].n);
    full.update(have);
    if (have >= contracts) break;
    env.checkInterrupted();
    await env.sampleRss();
    // count(*) scans the table the sink writes (~10 ms at 160,000 rows): once a second until
    // the end is near, then every 100 ms, so that the measuring takes little from the pipeline
    await sleep(have < contracts * 0.97 ? 1000 : 100);
  }
  const fullSeconds = (performance.now() - t0) / 1000;
  const fullCpu = cpuDelta(cpuBeforeFull, cpuByComponent(), contracts / 1000);
  full.stop();
  log(`CPU per 1,000 contracts of the full recompute: ${formatCpu(fullCpu)}`);
  const rows = Number((await sql.q('SELECT sum(event_count) AS n FROM cashflow_versions', []))[0].n);
  const statuses = await sql.q('SELECT status, count(*) AS n FROM cashflow_versions GROUP BY status ORDER BY status', []);
  log(`full recompute: ${contracts} contracts (${statuses.map((r) => `${r.status} ${r.n}`).join(', ')}), ${rows} rows in ${fullSeconds.toFixed(1)} s`);
  return { seconds: fullSeconds, rows, cpuPer1000: fullCpu };
}

/**
 * Database.applyResults alone on precomputed results (other contract ids), batches of 1,000
 * contracts as the sink writes them; the rows removed afterwards.
 */
export async function bulkPath(
  env: PipelineBenchEnv,
  contracts: number,
  observer: TimeSeriesObserver,
  log: (line: string) => void,
): Promise<{ contracts: number; rows: number; ms: number; rowsPerSecond: number }> {
  const { db, sql } = env;
  const bulkContracts = Math.min(contracts, 40_000);
  let bulkRows = 0;
  let bulkMs = 0;
  const bulkBar = await ops.progressBar('bulk path alone', bulkContracts, 'contracts');
  for (let i = 0; i < bulkContracts; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(bulkContracts, i + 1000); j++) {
      const c = benchContract(j, 0);
      const p = prepareContract(c.terms);
      const events = eventsToJson(evaluate(p, { observer }), p.type.reportedStates).map((e) => ({
        eventDate: e.eventDate,
        eventType: e.eventType,
        currency: e.currency ?? null,
        payoff: e.payoff,
        notionalPrincipal: e.notionalPrincipal ?? null,
        nominalInterestRate: e.nominalInterestRate ?? null,
        accruedInterest: e.accruedInterest ?? null,
        exerciseDate: e.exerciseDate ?? null,
        exerciseAmount: e.exerciseAmount ?? null,
      }));
      batch.push({ contractId: `bulk-${c.id}`, version: 1, fingerprint: 'bench', status: 'computed' as const, reason: null, computedAt: '2026-01-01T00:00:00', events });
    }
    const b0 = performance.now();
    const r = await db.applyResults(batch);
    bulkMs += performance.now() - b0;
    bulkRows += r.rowsWritten;
    bulkBar.update(Math.min(bulkContracts, i + 1000));
  }
  bulkBar.stop();
  await sql.q("DELETE FROM contract_cashflows WHERE contract_id LIKE 'bulk-%'", []);
  await sql.q("DELETE FROM cashflow_versions WHERE contract_id LIKE 'bulk-%'", []);
  const bulkRowsPerSecond = bulkRows / (bulkMs / 1000);
  log(`bulk path alone: ${bulkRows} rows in ${(bulkMs / 1000).toFixed(1)} s`);
  return { contracts: bulkContracts, rows: bulkRows, ms: bulkMs, rowsPerSecond: bulkRowsPerSecond };
}
