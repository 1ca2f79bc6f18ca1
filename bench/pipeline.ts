// `cashflow bench pipeline --contracts N`: the pipeline on the local stack, in an environment of
// its own (database, topic prefix, consumer groups, Redis prefix, connector, slot, publication;
// all removed at the end unless --keep). Each processor runs as its own `cashflow run` child
// process, as `cashflow start` runs them, so peak RSS is per process.
//
//   book        N contracts of the engine's benchmark book (bench/engine.ts bookContract: PAM,
//               ANN, LAM, NAM round robin); 1,000 of them reset their rate yearly on BENCH.TICK
//   setup       contracts and market data committed, ingest + impact fill Redis; the requests
//               impact made for the new contracts are deleted, so nothing is computed yet
//   full        calculator + sink started; `recalc --all` (the command's own code path) →
//               every contract's result committed: contracts/s, rows/s
//   bulk        Database.applyResults alone on precomputed results (other contract ids), batches
//               of 1,000 contracts as the sink writes them: rows/s, the physical limit
//   tick        a new BENCH.TICK observation (changes all 1,000 schedules) → the last of the
//               1,000 new versions committed; repeated: p50/p99
//   edit        one contract's terms updated → its new version committed; repeated: p50/p99
//   portfolio   (--portfolio LOTS) LOTS positions of one portfolio over the book, ingested by
//               positions-ingest; `recalc --portfolio --wait` (its code path: membership read,
//               requests, calculator then sink committed past them) from the request to the
//               last row committed; 10 runs: p50/p99
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.js';
import type { MarketDataRow } from '../db/database.js';
import type { WaitPhase } from '../demo/ops.js';
import { dependenciesOf, evaluate, prepareContract, TimeSeriesObserver } from '../engine/index.js';
import { bookContract, BENCH_TYPES } from './engine.js';

export interface PipelineBenchOptions {
  contracts: number;
  ticks: number;
  edits: number;
  calculators: number;
  keep: boolean;
  /** Lots of the portfolio recalculated at the end (0: no portfolio step). */
  portfolio?: number;
  /** Runs of the portfolio recalculation. */
  portfolioRuns?: number;
  /** First metrics port of the bench's processes (default 9500, after `cashflow start`'s). */
  basePort?: number;
  /** End with `cashflow verify --all` on the book, timed beside the engine alone. */
  verify?: boolean;
  log: (line: string) => void;
}

export interface PipelineBenchResult {
  contracts: number;
  rows: number;
  full: { seconds: number; contractsPerSecond: number; rowsPerSecond: number; cpuSecondsPer1000: Record<string, number> };
  bulk: { contracts: number; rows: number; seconds: number; rowsPerSecond: number };
  pipelineVsBulk: number;
  tick: { contracts: number; samples: number; p50Ms: number; p99Ms: number; maxMs: number; stagesMs: Record<string, [first: number, last: number]> };
  edit: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  portfolio?: { lots: number; contracts: number; samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  peakRssMb: Record<string, number>;
  verify?: { seconds: number; readSeconds: number; computeSeconds: number; engineAloneSeconds: number; contracts: number; rows: number; mismatching: number; peakRssMb: number };
}

export const TICK_CODE = 'BENCH.TICK';
export const BENCH_PORTFOLIO = 'BENCH-PORTFOLIO';
export const TICK_CONTRACTS = 1000;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Contract i of the bench book: the engine book round robin over its types; the first 1,000 reset on BENCH.TICK. */
export function benchContract(i: number, tickContracts = TICK_CONTRACTS): { id: string; type: string; terms: Record<string, string> } {
  const type = BENCH_TYPES[i % BENCH_TYPES.length];
  const t = bookContract(type, i);
  const id = `bench-${String(i).padStart(7, '0')}`;
  t.contractID = id;
  if (i < tickContracts) {
    t.cycleOfRateReset = 'P1YL1';
    t.cycleAnchorDateOfRateReset = `${Number(t.initialExchangeDate.slice(0, 4)) + 1}${t.initialExchangeDate.slice(4)}`;
    t.marketObjectCodeOfRateReset = TICK_CODE;
    t.rateSpread = '0.01';
  }
  return { id, type, terms: t };
}

/**
 * The book's market data: every market object code the book depends on a flat 3% from 2000
 * (types such as SWPPV need their floating leg's rate), BENCH.TICK 2% from 2010.
 */
export function benchMarketData(contracts: number): MarketDataRow[] {
  const codes = new Set<string>();
  for (let j = 0; j < Math.min(contracts, 1000 + BENCH_TYPES.length); j++) for (const d of dependenciesOf(benchContract(j, 0).terms)) codes.add(d);
  const flat = [...codes].map((code) => ({ marketObjectCode: code, observedAt: '2000-01-01T00:00:00', value: 0.03 }));
  return [...flat, { marketObjectCode: TICK_CODE, observedAt: '2010-01-01T00:00:00', value: 0.02 }];
}

/** The engine's observer of the book's flat series (not BENCH.TICK: the engine-alone pass computes the book without it). */
export function flatObserver(marketData: readonly MarketDataRow[]): TimeSeriesObserver {
  return new TimeSeriesObserver(
    Object.fromEntries(marketData.filter((m) => m.marketObjectCode !== TICK_CODE).map((m) => [m.marketObjectCode, [{ time: Date.parse(`${m.observedAt}Z`), value: m.value }]])),
  );
}

/** The engine alone on the book (terms parsed, schedules computed, nothing read or compared), in seconds: verify's yardstick. */
export function engineAloneSeconds(contracts: number, observer: TimeSeriesObserver): number {
  const e0 = performance.now();
  for (let i = 0; i < contracts; i++) evaluate(prepareContract(benchContract(i, 0).terms), { observer }); // the same shapes; the observer has no BENCH.TICK
  return (performance.now() - e0) / 1000;
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
  } catch {
    return NaN;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export async function runPipelineBench(o: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const run = randomBytes(3).toString('hex');
  const dbName = `cashflow_bench_${run}`;
  const prefix = `bench${run}.`;
  const redisPrefix = `cashflow-bench-${run}:`;
  const slot = `cashflow_bench_${run}`;
  const connectorName = `cashflow-bench-${run}`;
  const { loadConfig } = await import('../config/config.js');
  // the configured server (DATABASE_URL or DATABASE_URL_FILE), with a database of the run's own
  const baseUrl = new URL(loadConfig(process.env, ['database']).database.url);
  baseUrl.pathname = `/${dbName}`;
  // Everything below (and the child processes) reads the environment through loadConfig().
  process.env.DATABASE_DIALECT = 'postgres';
  process.env.DATABASE_URL = baseUrl.toString();
  process.env.CASHFLOW_TOPIC_PREFIX = prefix;
  process.env.CASHFLOW_REDIS_PREFIX = redisPrefix;

  const { topologyFromConfig } = await import('../topology/topology.js');
  const { applyTopics } = await import('../topology/apply.js');
  const { createAdmin, createProducer, deleteConsumerGroups, deleteTopics } = await import('../clients/kafka.js');
  const { registerSchemas, createAvroCodec } = await import('../clients/schema-registry.js');
  const { createConnectClient } = await import('../clients/connect.js');
  const { postgresConnector } = await import('../connectors/debezium.js');
  const { PostgresDatabase, dropDatabase, dropReplicationSlot } = await import('../db/postgres/index.js');
  const ops = await import('../demo/ops.js');
  const { startProcessors, stopProcessors, processorProcesses } = await import('../platform/processes.js');
  const { ownedPid } = await import('../stack/processes.js');
  const { eventsToJson } = await import('../engine/index.js');

  const config: Config = loadConfig();
  const topology = topologyFromConfig(config);
  const db = new PostgresDatabase(config.database.url, { max: 4 });
  const admin = await createAdmin(config, 'cashflow-bench');
  const connect = createConnectClient(config);
  const sql = await (async () => {
    await db.migrate({ publication: slot });
    const session = await ops.openSql(config);
    // the bench polls 1,000 ids every 20 ms: without statistics (autovacuum is off here) that
    // would be a scan of cashflow_versions each time, load the pipeline does not cause
    await session.q('SET jit = off', []);
    await session.q('SET enable_seqscan = off', []);
    return session;
  })();
  const subjects: string[] = [];
  const started = Date.now();
  // Ctrl-C or SIGTERM ends the run through the cleanup below (a leftover slot keeps WAL forever)
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => void (interrupted = signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const checkInterrupted = () => {
    if (interrupted) throw new Error(`interrupted by ${interrupted}: cleaning up`);
  };
  const basePort = o.basePort ?? 9500;
  const rss: Record<string, number> = {};
  const processes = async () => processorProcesses(config, { calculators: o.calculators, basePort });
  const sampleRss = async () => {
    for (const p of await processes()) {
      const pid = ownedPid(p.pidFile, p.marker);
      const key = p.name + (o.calculators > 1 && p.name === 'calculator' ? `-${p.instance + 1}` : '');
      if (pid !== undefined) rss[key] = Math.max(rss[key] ?? 0, peakRssMb(pid));
    }
  };
  try {
    // ------------------------------------------------------------------ setup
    o.log(`environment: database ${dbName}, topic prefix ${prefix}, Redis prefix ${redisPrefix}`);
    await applyTopics(admin, topology, config);
    subjects.push(...(await registerSchemas(config, topology)).map((s) => s.subject));
    const connector = postgresConnector(config, topology, { name: connectorName, slotName: slot, publicationName: slot });
    await connect.putConnectorConfig(connector.name, connector.config);
    await connect.waitForRunning(connector.name, 120_000);

    // committed before the contracts
    const marketData = benchMarketData(o.contracts);
    await db.upsertMarketData(marketData);
    const observer = flatObserver(marketData);
    const write = await ops.progressBar('writing contracts', o.contracts, 'rows');
    for (let i = 0; i < o.contracts; i += 5000) {
      const rows = [];
      for (let j = i; j < Math.min(o.contracts, i + 5000); j++) {
        const c = benchContract(j, Math.min(TICK_CONTRACTS, o.contracts));
        rows.push({ contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms) });
      }
      await db.upsertContracts(rows);
      write.update(Math.min(o.contracts, i + 5000));
    }
    write.stop();

    await startProcessors(config, { only: ['contract-ingest', 'market-ingest', 'impact', 'positions-ingest'], basePort });
    const ingest = await ops.progressBar('ingest + impact', o.contracts, 'contracts');
    const termsTopic = topology.topic('contractTerms').name;
    const impactGroup = topology.processor('impact').consumerGroup;
    for (;;) {
      const ends = await ops.topicEnds(admin, termsTopic);
      const total = [...ends.values()].reduce((s, v) => s + Number(v), 0);
      const committed = await ops.committedOffsets(admin, impactGroup, termsTopic);
      const done = ops.consumedBetween(committed, new Map(), ends);
      ingest.update(done);
      if (total >= o.contracts && done >= total) break;
      checkInterrupted();
      await sleep(500);
    }
    ingest.stop();
    await sampleRss();
    // impact asked for every new contract; the benchmark asks itself, with recalc --all
    const requestsTopic = topology.topic('recalcRequests').name;
    const requestEnds = await ops.topicEnds(admin, requestsTopic);
    await admin.deleteTopicRecords({
      topic: requestsTopic,
      partitions: [...requestEnds].filter(([, end]) => end > 0n).map(([partition, end]) => ({ partition, offset: end.toString() })),
    });

    // ------------------------------------------------------------------ full recompute
    await startProcessors(config, { calculators: o.calculators, only: ['calculator', 'sink'], basePort });
    const encode = await createAvroCodec(config, topology).encoder('recalcRequests');
    const producer = await createProducer(config, { clientId: 'cashflow-bench' });
    const { cpuByComponent } = await import('./stage-tap.js');
    const cpuBeforeFull = cpuByComponent();
    const t0 = performance.now();
    try {
      for await (const page of ops.contractIdPages(config)) await ops.sendRecalcRequests(producer, requestsTopic, encode, page.map((id) => ops.manualRequest(id)));
    } finally {
      await producer.disconnect();
    }
    const produced = (performance.now() - t0) / 1000;
    o.log(`recalc --all: ${o.contracts} requests produced in ${produced.toFixed(1)} s`);
    const full = await ops.progressBar('full recompute', o.contracts, 'contracts');
    let have = 0;
    for (;;) {
      have = Number((await sql.q('SELECT count(*) AS n FROM cashflow_versions', []))[0].n);
      full.update(have);
      if (have >= o.contracts) break;
      checkInterrupted();
      await sampleRss();
      // count(*) scans the table the sink writes (~10 ms at 160,000 rows): once a second until
      // the end is near, then every 100 ms, so that the measuring takes little from the pipeline
      await sleep(have < o.contracts * 0.97 ? 1000 : 100);
    }
    const fullSeconds = (performance.now() - t0) / 1000;
    const fullCpu = cpuDelta(cpuBeforeFull, cpuByComponent(), o.contracts / 1000);
    full.stop();
    o.log(`CPU per 1,000 contracts of the full recompute: ${formatCpu(fullCpu)}`);
    const rows = Number((await sql.q('SELECT sum(event_count) AS n FROM cashflow_versions', []))[0].n);
    const statuses = await sql.q('SELECT status, count(*) AS n FROM cashflow_versions GROUP BY status ORDER BY status', []);
    o.log(`full recompute: ${o.contracts} contracts (${statuses.map((r) => `${r.status} ${r.n}`).join(', ')}), ${rows} rows in ${fullSeconds.toFixed(1)} s`);

    // ------------------------------------------------------------------ the database bulk path alone
    const bulkContracts = Math.min(o.contracts, 40_000);
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
    o.log(`bulk path alone: ${bulkRows} rows in ${(bulkMs / 1000).toFixed(1)} s`);

    // ------------------------------------------------------------------ market ticks
    const tickIds = Array.from({ length: Math.min(TICK_CONTRACTS, o.contracts) }, (_, i) => benchContract(i).id);
    const versionsOf = async (ids: string[]) =>
      new Map((await sql.q('SELECT contract_id AS id, version FROM cashflow_versions WHERE contract_id = ANY($1::text[])', [ids])).map((r) => [String(r.id), String(r.version)]));
    const waitMoved = async (ids: string[], before: Map<string, string>, committedAt: number, pollMs: number, what: string): Promise<number> => {
      const deadline = committedAt + 120_000;
      // only the ids not seen moved yet: the poll's own load on the database shrinks as the
      // sink commits (a new version never goes back)
      let pending = ids;
      for (;;) {
        const now = await versionsOf(pending);
        pending = pending.filter((id) => BigInt(now.get(id) ?? '-1') <= BigInt(before.get(id) ?? '-1'));
        if (pending.length === 0) return performance.now() - committedAt;
        if (performance.now() > deadline) throw new Error(`${what}: results not committed within 120 s`);
        checkInterrupted();
        await sleep(pollMs);
      }
    };
    const tickMs: number[] = [];
    const tickWindows: { fromMs: number; toMs: number; latencyMs: number }[] = [];
    const { StageTap, TICK_STAGES, stageSpans, formatSpans } = await import('./stage-tap.js');
    const { createConsumer } = await import('../clients/kafka.js');
    const tapTopics = new Map(TICK_STAGES.map(([id]) => [id, topology.topic(id).name] as [string, string]));
    const tap = await StageTap.start(
      await createConsumer(config, { groupId: `${prefix}bench-tap`, fromBeginning: false, clientId: 'cashflow-bench-tap' }),
      tapTopics,
      (name) => ops.topicEnds(admin, name),
    );
    const { phaseTotals, phaseDelta, formatPhases } = await import('./stage-tap.js');
    const scrapePhases = async () => {
      const totals = new Map();
      for (const p of await processes()) {
        const res = await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`).catch(() => undefined);
        if (res?.ok) phaseTotals(await res.text(), totals);
      }
      return totals;
    };
    // The bulk step's millions of rows are WAL that logical decoding reads through before the
    // next source change reaches Kafka: wait until a probe observation (no dependents) arrives.
    const cdcTopic = topology.topic('cdcMarketData').name;
    const cdcBefore = [...(await ops.topicEnds(admin, cdcTopic)).values()].reduce((a, b) => a + b, 0n);
    await db.upsertMarketData([{ marketObjectCode: 'BENCH.PROBE', observedAt: '2000-01-01T00:00:00', value: 0 }]);
    const probeAt = performance.now();
    while ([...(await ops.topicEnds(admin, cdcTopic)).values()].reduce((a, b) => a + b, 0n) <= cdcBefore) {
      checkInterrupted();
      await sleep(100);
    }
    o.log(`CDC caught up with the bulk step's WAL in ${((performance.now() - probeAt) / 1000).toFixed(1)} s`);
    tap.pause();
    const phasesBefore = await scrapePhases();
    const cpuBefore = cpuByComponent();
    const ticksStarted = performance.now();
    const tickBar = await ops.progressBar('market ticks', o.ticks, 'ticks');
    for (let k = 0; k < o.ticks; k++) {
      await ops.waitForQuiet(admin, topology);
      const before = await versionsOf(tickIds);
      const observedAt = `2019-01-${String(1 + (k % 28)).padStart(2, '0')}T${String(Math.floor(k / 28) % 24).padStart(2, '0')}:00:00`;
      await db.upsertMarketData([{ marketObjectCode: TICK_CODE, observedAt, value: 0.03 + (k % 2 ? 0.004 : 0) + k * 1e-5 }]);
      const committedAt = performance.now();
      const committedWall = Date.now();
      const latency = await waitMoved(tickIds, before, committedAt, 20, 'tick');
      tickMs.push(latency);
      tickWindows.push({ fromMs: committedWall, toMs: Date.now(), latencyMs: latency });
      tickBar.update(k + 1);
    }
    tickBar.stop();
    const ticksSeconds = (performance.now() - ticksStarted) / 1000;
    const cpuPerTick = cpuDelta(cpuBefore, cpuByComponent(), o.ticks);
    o.log(`CPU per tick (wall ${(ticksSeconds / o.ticks).toFixed(2)} s incl. waiting for quiet): ${formatCpu(cpuPerTick)}`);
    const tickPhases = phaseDelta(phasesBefore, await scrapePhases());
    for (const line of formatPhases(tickPhases, o.ticks)) o.log(`per tick, ${line}`);
    const tapEnds = new Map(await Promise.all([...tapTopics.values()].map(async (name) => [name, await ops.topicEnds(admin, name)] as const)));
    await tap.catchUp(tapEnds);
    await tap.stop();
    const tickStages = tickWindows.map((w) => stageSpans(tap.seen, TICK_STAGES, w.fromMs, w.toMs));
    tickStages.forEach((spans, k) => o.log(`tick ${k + 1}: ${formatSpans(spans, tickWindows[k].latencyMs)}`));
    await sampleRss();

    // ------------------------------------------------------------------ single edits
    const editMs: number[] = [];
    const editBar = await ops.progressBar('single edits', o.edits, 'edits');
    for (let k = 0; k < o.edits; k++) {
      await ops.waitForQuiet(admin, topology);
      const c = benchContract(Math.min(o.contracts - 1, TICK_CONTRACTS + k));
      const before = await versionsOf([c.id]);
      c.terms.notionalPrincipal = String(Number(c.terms.notionalPrincipal) + k + 1);
      await db.upsertContracts([{ contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms) }]);
      const committedAt = performance.now();
      editMs.push(await waitMoved([c.id], before, committedAt, 5, 'edit'));
      editBar.update(k + 1);
    }
    editBar.stop();
    await sampleRss();
    rss.bench = round(process.resourceUsage().maxRSS / 1024);

    // ------------------------------------------------------------------ one portfolio at once
    let portfolio: PipelineBenchResult['portfolio'];
    if (o.portfolio) {
      const lots = o.portfolio;
      // lots spread over the whole book (every type, tick contracts and not), a contract held
      // twice when there are more lots than contracts
      const stride = Math.max(1, Math.floor(o.contracts / lots));
      const positions = Array.from({ length: lots }, (_, i) => ({ positionId: `bench-lot-${String(i).padStart(7, '0')}`, portfolioId: BENCH_PORTFOLIO, contractId: benchContract((i * stride) % o.contracts).id, quantity: 1 + (i % 7) }));
      await db.upsertPositions(positions);
      const { store, close } = await ops.openStore(config);
      const portfolioRuns = o.portfolioRuns ?? 10;
      const runMs: number[] = [];
      const splits: string[] = [];
      let held = 0;
      try {
        for (const deadline = Date.now() + 120_000; (held = (await ops.portfolioContracts(store, BENCH_PORTFOLIO)).length) < Math.min(lots, o.contracts); ) {
          if (Date.now() > deadline) throw new Error(`portfolio: ${held} of ${lots} lots in the membership state after 120 s`);
          checkInterrupted();
          await sleep(200);
        }
        const encodeRequest = await createAvroCodec(config, topology).encoder('recalcRequests');
        const requestProducer = await createProducer(config, { clientId: 'cashflow-bench-portfolio' });
        try {
          const bar = await ops.progressBar('portfolio recalcs', portfolioRuns, 'runs');
          for (let k = 0; k < portfolioRuns; k++) {
            await ops.waitForQuiet(admin, topology);
            const from = await ops.topicEnds(admin, requestsTopic);
            const t = performance.now();
            // what `recalc --portfolio P --wait` does, from the request on
            const ids = await ops.portfolioContracts(store, BENCH_PORTFOLIO);
            const read = performance.now() - t;
            await ops.sendRecalcRequests(requestProducer, requestsTopic, encodeRequest, ids.map((id) => ops.manualRequest(id)));
            const sent = performance.now() - t;
            const ends: Partial<Record<WaitPhase, number>> = {};
            await ops.waitForResults(admin, topology, from, await ops.topicEnds(admin, requestsTopic), {
              timeoutMs: 120_000,
              pollMs: 20,
              phase: async (phase, wait) => {
                await wait(() => {});
                ends[phase] = performance.now() - t;
              },
            });
            runMs.push(performance.now() - t);
            splits.push(`membership read ${Math.round(read)}, requests acknowledged ${Math.round(sent)}, calculator committed ${Math.round(ends.computing!)}, sink committed ${Math.round(ends.writing!)} ms`);
            bar.update(k + 1);
          }
          bar.stop();
        } finally {
          await requestProducer.disconnect();
        }
      } finally {
        await close();
      }
      const ps = [...runMs].sort((a, b) => a - b);
      portfolio = { lots, contracts: held, samples: ps.length, p50Ms: Math.round(percentile(ps, 50)), p99Ms: Math.round(percentile(ps, 99)), maxMs: Math.round(ps[ps.length - 1] ?? NaN) };
      splits.forEach((line, k) => o.log(`portfolio run ${k + 1}: ${line}`));
      o.log(`portfolio of ${lots} lots (${held} contracts): request to last row committed ${ps.map((x) => Math.round(x)).join(', ')} ms`);
    }

    // ------------------------------------------------------------------ verify --all
    let verify: PipelineBenchResult['verify'];
    if (o.verify) {
      await ops.waitForQuiet(admin, topology);
      const { Verification } = await import('../processors/verify-run.js');
      const { mismatchCount } = await import('../processors/verification.js');
      // the engine alone on the same book (terms parsed, schedule computed), for the comparison
      const engineSeconds = engineAloneSeconds(o.contracts, observer);
      const bar = await ops.progressBar('verify --all', o.contracts, 'contracts');
      const v = new Verification(db, { horizon: config.horizon, onPage: (c) => bar.update(c.checked, Math.max(o.contracts, c.checked)) });
      const v0 = performance.now();
      await v.all();
      bar.stop();
      const r = v.report();
      verify = {
        seconds: round((performance.now() - v0) / 1000, 2),
        readSeconds: round(r.readSeconds, 2),
        computeSeconds: round(r.computeSeconds, 2),
        engineAloneSeconds: round(engineSeconds, 2),
        contracts: r.counts.checked,
        rows: r.counts.rows,
        mismatching: mismatchCount(r.counts),
        peakRssMb: round(process.resourceUsage().maxRSS / 1024),
      };
      o.log(`verify --all: ${JSON.stringify(r.counts)} in ${verify.seconds} s (database read ${verify.readSeconds} s, expectation and comparison ${verify.computeSeconds} s; engine alone ${verify.engineAloneSeconds} s)`);
      for (const m of r.mismatches.slice(0, 5)) o.log(`verify: ${m.contractId} ${m.kind} ${JSON.stringify(m.differences.slice(0, 2))}`);
    }

    const ts = [...tickMs].sort((a, b) => a - b);
    const es = [...editMs].sort((a, b) => a - b);
    o.log(`bench pipeline done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return {
      contracts: o.contracts,
      rows,
      full: { seconds: round(fullSeconds, 2), contractsPerSecond: Math.round(o.contracts / fullSeconds), rowsPerSecond: Math.round(rows / fullSeconds), cpuSecondsPer1000: Object.fromEntries(fullCpu.map(([c, s]) => [c, round(s, 3)])) },
      bulk: { contracts: bulkContracts, rows: bulkRows, seconds: round(bulkMs / 1000, 2), rowsPerSecond: Math.round(bulkRowsPerSecond) },
      pipelineVsBulk: round(rows / fullSeconds / bulkRowsPerSecond, 3),
      tick: {
        contracts: tickIds.length,
        samples: ts.length,
        p50Ms: Math.round(percentile(ts, 50)),
        p99Ms: Math.round(percentile(ts, 99)),
        maxMs: Math.round(ts[ts.length - 1] ?? NaN),
        // the median tick's stages: ms from the commit to each stage's first and last message
        stagesMs: Object.fromEntries(
          TICK_STAGES.map(([, stage], i) => {
            const first = tickStages.map((s) => s[i].firstMs).filter(Number.isFinite).sort((a, b) => a - b);
            const last = tickStages.map((s) => s[i].lastMs).filter(Number.isFinite).sort((a, b) => a - b);
            return [stage, [Math.round(percentile(first, 50)), Math.round(percentile(last, 50))]];
          }),
        ),
      },
      edit: { samples: es.length, p50Ms: Math.round(percentile(es, 50)), p99Ms: Math.round(percentile(es, 99)), maxMs: Math.round(es[es.length - 1] ?? NaN) },
      portfolio,
      peakRssMb: rss,
      verify,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ops.stopAllBars();
    await stopProcessors(config).catch((e) => o.log(`stopping processors: ${(e as Error).message}`));
    await sql.close().catch(() => {});
    await db.close().catch(() => {});
    if (!o.keep) {
      const { requestJson } = await import('../clients/http.js');
      const { connectRedis } = await import('../clients/redis.js');
      const { clearState } = await import('../state/redis-store.js');
      const server = new URL(config.database.url);
      server.pathname = '/postgres';
      const steps: [string, () => Promise<unknown>][] = [
        ['connector', () => connect.deleteConnector(connectorName)],
        ['slot', () => dropReplicationSlot(server.toString(), slot)],
        ['database', () => dropDatabase(server.toString(), dbName)],
        ['topics', () => deleteTopics(admin, (t) => t.startsWith(prefix))],
        ['groups', () => deleteConsumerGroups(admin, (g) => g.startsWith(prefix))],
        ['redis', async () => {
          const redis = await connectRedis(config, { name: 'cashflow-bench-cleanup' });
          try {
            await clearState(redis, redisPrefix);
          } finally {
            redis.disconnect();
          }
        }],
        ['subjects', async () => {
          for (const s of subjects) {
            const url = `${config.schemaRegistryUrl}/subjects/${encodeURIComponent(s)}`;
            await requestJson('schema-registry', 'DELETE', url, undefined, { accept: [404] });
            await requestJson('schema-registry', 'DELETE', `${url}?permanent=true`, undefined, { accept: [404] });
          }
        }],
      ];
      for (const [what, step] of steps) await step().catch((e) => o.log(`cleanup ${what}: ${(e as Error).message}`));
    } else o.log(`kept: database ${dbName}, prefix ${prefix}, Redis prefix ${redisPrefix}, connector ${connectorName}`);
    await admin.disconnect().catch(() => {});
  }
}

/** CPU seconds per unit by component between two cpuByComponent readings, largest first. */
function cpuDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, units: number): [string, number][] {
  return [...after]
    .map(([c, s]): [string, number] => [c, (s - (before.get(c) ?? 0)) / units])
    .filter(([, s]) => s >= 0.005)
    .sort((a, b) => b[1] - a[1]);
}

function formatCpu(cpu: readonly [string, number][]): string {
  return cpu.map(([c, s]) => `${c} ${s.toFixed(2)} s`).join(', ');
}
