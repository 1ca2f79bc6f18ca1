// `cashflow chaos`: the pipeline under a seeded storm of faults, then proof that nothing was
// lost, duplicated or dead-lettered wrongly.
//
//   environment  a platform of the run's own (chaos/environment.ts): broker, Connect, registry,
//                Redis, PostgreSQL, and every processor as a `cashflow run` child process
//   book         N contracts of the benchmark book (bench/pipeline.ts benchContract: PAM, ANN,
//                LAM, NAM, SWPPV; the first 1,000 reset on BENCH.TICK) and its market data
//   storm        the faults of the plan (chaos/schedule.ts) one after another, each undone as
//                operations would, while the book is written and computed, `recalc --all`
//                recomputes it, and a stream of edits, market ticks, positions and malformed rows
//                (recorded exactly) goes into the source tables
//   settle       the connector caught up (a probe row through CDC), every consumer group at the
//                end of its topics
//   checks       `verify --all` (processors/verify-run.ts), duplicate rows, the dead letter topic
//                against the malformed rows written, the processes up and ready
import pg from 'pg';
import { createAvroCodec } from '../clients/schema-registry.js';
import { createConsumer, createProducer } from '../clients/kafka.js';
import { benchContract, TICK_CODE, TICK_CONTRACTS } from '../bench/pipeline.js';
import { BENCH_TYPES } from '../bench/engine.js';
import * as ops from '../demo/ops.js';
import { dependenciesOf } from '../engine/index.js';
import { decodeChangeEvent } from '../processors/cdc.js';
import { Verification, describeMismatches } from '../processors/verify-run.js';
import { ownedPid } from '../stack/processes.js';
import type { DeadLetter } from '../schemas/types.js';
import type { ContractRow } from '../db/database.js';
import { ChaosEnvironment, type Log } from './environment.js';
import { ConnectorOperator, inject } from './faults.js';
import { checkDeadLetters, formatTable, outcomeProblems, type ChaosOutcome, type FoundDeadLetter } from './outcome.js';
import { describeFault, faultPlan, malformedRows, rowIdentity, type FaultKind, type MalformedRow, type ScheduledFault } from './schedule.js';

export interface ChaosOptions {
  contracts: number;
  seed: number;
  /** Processor kills (at least one of every kind). */
  kills: number;
  malformed: number;
  /** The infrastructure faults (each once). */
  faults: readonly Exclude<FaultKind, 'processor-kill'>[];
  downSeconds: number;
  gapSeconds: [number, number];
  /** Edits of contract terms in the stream (market ticks: one per 10 edits, at least 3). */
  edits: number;
  /** Longest wait for the pipeline to settle after the storm. */
  settleTimeoutMs?: number;
  log: Log;
}

export interface ChaosResult {
  outcome: ChaosOutcome;
  table: string;
  problems: string[];
  faults: { fault: string; detail: string; atSeconds: number }[];
  connectorRestarts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `work` until it succeeds (a fault is under way: the database or the broker may be down). */
async function persist<T>(what: string, work: () => Promise<T>, log: Log, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${timeoutMs / 1000} s: ${(e as Error).message}`);
      if (attempt === 1 || attempt % 10 === 0) log(`${what}: ${(e as Error).message.split('\n')[0]} (retrying)`);
      await sleep(wait);
      wait = Math.min(wait * 2, 2000);
    }
  }
}

/** The row a dead letter names: its CDC event's table and primary key, else where it came from. */
export function deadLetterRow(d: DeadLetter): string {
  try {
    const change = d.originalValue ? decodeChangeEvent(d.originalValue) : null;
    const row = change ? (change.after ?? change.before) : null;
    if (change && row) {
      const key: Record<string, string[]> = {
        contracts: ['contract_id'],
        market_data: ['market_object_code', 'observed_at'],
        observed_events: ['contract_id', 'event_type', 'observed_at'],
        positions: ['position_id'],
      };
      const columns = key[change.table];
      if (columns) return rowIdentity(change.table, columns.map((c) => String(row[c])));
    }
  } catch {
    // not a change event: named by its origin below
  }
  const key = d.originalKey ? ` key ${d.originalKey.toString('utf8').slice(0, 80)}` : '';
  return `not a source row: ${d.originalTopic}[${d.originalPartition}]@${d.originalOffset}${key}`;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const log = o.log;
  const plan = faultPlan({ seed: o.seed, kills: o.kills, infrastructure: o.faults, downSeconds: o.downSeconds, gapSeconds: o.gapSeconds });
  const book = (i: number) => benchContract(i, Math.min(TICK_CONTRACTS, o.contracts));
  const codes = new Set<string>();
  for (let j = 0; j < Math.min(o.contracts, 1000 + BENCH_TYPES.length); j++) for (const d of dependenciesOf(benchContract(j, 0).terms)) codes.add(d);
  const malformed = malformedRows({ seed: o.seed, count: o.malformed, contract: book, contracts: o.contracts, codes: [...codes, TICK_CODE] });
  log(`chaos: seed ${o.seed}, ${o.contracts} contracts, ${plan.length} faults (${plan.filter((p) => p.fault.kind === 'processor-kill').length} processor kills), ${malformed.length} malformed rows`);

  const env = new ChaosEnvironment(log);
  let ok = false;
  const operator = new ConnectorOperator(env, log);
  let pool: pg.Pool | undefined;
  // Ctrl-C or SIGTERM: the processors are detached processes of their own, so they are stopped
  // here with everything else before the exit (the run's folder and logs are kept)
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the run's processes`);
    operator.stop();
    void env.down(true).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await env.up();
    pool = new pg.Pool({ connectionString: env.config.database.url, max: 3 });
    pool.on('error', () => {}); // idle clients lose the server on purpose (database faults)
    const sql = (text: string, params: unknown[]) => pool!.query(text, params);

    // market data before the contracts (flat 3% from 2000 on every code, BENCH.TICK 2% from 2010)
    const flat = [...codes].map((code) => ({ marketObjectCode: code, observedAt: '2000-01-01T00:00:00', value: 0.03 }));
    await env.db.upsertMarketData([...flat, { marketObjectCode: TICK_CODE, observedAt: '2010-01-01T00:00:00', value: 0.02 }]);
    await env.startProcessors();
    operator.start();

    // ------------------------------------------------------------------ the storm
    const faultsDone: ChaosResult['faults'] = [];
    const stormStart = Date.now();
    let faultsFinished = false;
    const faultRunner = (async () => {
      for (const [i, step] of plan.entries()) {
        await sleep(step.gapSeconds * 1000);
        const at = (Date.now() - stormStart) / 1000;
        log(`fault ${i + 1}/${plan.length} at ${at.toFixed(0)} s: ${describeFault(step.fault)}`);
        const detail = await inject(env, operator, step.fault, log);
        log(`fault ${i + 1}/${plan.length}: ${detail}`);
        faultsDone.push({ fault: describeFault(step.fault), detail, atSeconds: Math.round(at) });
      }
      faultsFinished = true;
    })();
    faultRunner.catch(() => {});

    const written: MalformedRow[] = [];
    const loadRunner = (async () => {
      const bar = await ops.progressBar('writing the book', o.contracts, 'contracts');
      for (let i = 0; i < o.contracts; i += 2000) {
        const rows: ContractRow[] = [];
        for (let j = i; j < Math.min(o.contracts, i + 2000); j++) {
          const c = book(j);
          rows.push({ contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms) });
        }
        await persist('writing the book', () => env.db.upsertContracts(rows), log);
        bar.update(Math.min(o.contracts, i + 2000));
      }
      bar.stop();
      // `recalc --all` (the command's own path) while the book's first computation runs
      const producer = await createProducer(env.config, { clientId: 'cashflow-chaos' });
      try {
        const encode = await persist('the recalc request schema', () => createAvroCodec(env.config, env.topology).encoder('recalcRequests'), log);
        let requested = 0;
        for await (const page of ops.contractIdPages(env.config, 5000)) {
          await persist('recalc --all', () => ops.sendRecalcRequests(producer, env.topology.topic('recalcRequests').name, encode, page.map((id) => ops.manualRequest(id))), log);
          requested += page.length;
        }
        log(`recalc --all: ${requested} requests produced at ${((Date.now() - stormStart) / 1000).toFixed(0)} s`);
      } finally {
        await producer.disconnect().catch(() => {});
      }
      // the stream: edits, ticks, positions and the malformed rows among them, paced over the storm
      const plannedSeconds = plan.reduce((s, p) => s + p.gapSeconds + ('downSeconds' in p.fault ? p.fault.downSeconds : 0) + 5, 0);
      const steps = Math.max(10, Math.min(200, o.edits));
      const ticks = Math.max(3, Math.round(o.edits / 10));
      const stepMs = (plannedSeconds * 1000) / steps / 1.5;
      for (let s = 0; s < steps; s++) {
        const t0 = Date.now();
        const edits = Math.floor(((s + 1) * o.edits) / steps) - Math.floor((s * o.edits) / steps);
        for (let e = 0; e < edits; e++) {
          const k = Math.floor((s * o.edits) / steps) + e;
          const c = book((k * 7919) % o.contracts);
          c.terms.notionalPrincipal = String(Number(c.terms.notionalPrincipal) + 1000 + k);
          await persist('an edit', () => env.db.upsertContracts([{ contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms) }]), log);
        }
        if (s % Math.max(1, Math.floor(steps / ticks)) === 0) {
          const observedAt = new Date(Date.UTC(2019, 0, 1) + s * 86_400_000).toISOString().slice(0, 19);
          await persist('a market tick', () => env.db.upsertMarketData([{ marketObjectCode: TICK_CODE, observedAt, value: 0.03 + s * 1e-5 }]), log);
          const position = `chaos-position-${s}`;
          await persist('a position', () => sql('INSERT INTO positions (position_id, portfolio_id, contract_id, quantity) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [position, 'CHAOS', book(s % o.contracts).id, 1 + s]), log);
        }
        const slice = malformed.slice(Math.floor((s * malformed.length) / steps), Math.floor(((s + 1) * malformed.length) / steps));
        for (const row of slice) {
          await persist(`a malformed ${row.table} row`, () => writeMalformed(sql, row), log);
          written.push(row);
        }
        if (!faultsFinished) await sleep(Math.max(0, stepMs - (Date.now() - t0)));
      }
    })();

    const ticker = setInterval(() => {
      void (async () => {
        const n = await sql('SELECT count(*) AS n FROM cashflow_versions', []).then((r) => Number(r.rows[0].n)).catch(() => NaN);
        log(`storm at ${((Date.now() - stormStart) / 1000).toFixed(0)} s: ${faultsDone.length}/${plan.length} faults done, ${written.length}/${malformed.length} malformed rows written, ${Number.isNaN(n) ? '? (database down)' : n} results`);
      })();
    }, 15_000);
    try {
      await Promise.all([faultRunner, loadRunner]);
    } finally {
      clearInterval(ticker);
    }
    const stormSeconds = (Date.now() - stormStart) / 1000;
    log(`storm over after ${stormSeconds.toFixed(0)} s`);

    // ------------------------------------------------------------------ settle
    await operator.running();
    const cdcTopic = env.topology.topic('cdcMarketData').name;
    const sum = (m: Map<number, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);
    const cdcBefore = sum(await ops.topicEnds(env.admin, cdcTopic));
    await env.db.upsertMarketData([{ marketObjectCode: 'CHAOS.PROBE', observedAt: new Date().toISOString().slice(0, 19), value: 0 }]);
    const timeout = o.settleTimeoutMs ?? 30 * 60_000;
    const deadline = Date.now() + timeout;
    while (sum(await ops.topicEnds(env.admin, cdcTopic)) <= cdcBefore) {
      if (Date.now() > deadline) throw new Error(`the connector did not capture a probe row within ${timeout / 1000} s`);
      await operator.check();
      await sleep(500);
    }
    const settleBar = await ops.progressBar('settling', 1, 'messages of the backlog consumed');
    let quietTwice = 0;
    let worst = 1;
    for (;;) {
      const lag = await lagging(env);
      const behind = lag.reduce((s, l) => s + l.behind, 0);
      worst = Math.max(worst, behind);
      settleBar.update(worst - behind, worst);
      quietTwice = behind === 0 ? quietTwice + 1 : 0;
      if (quietTwice >= 2) break;
      if (Date.now() > deadline) break;
      await sleep(1000);
    }
    settleBar.stop();

    // ------------------------------------------------------------------ checks
    const lag = (await lagging(env)).map((l) => l.where);
    const down: string[] = [];
    for (const p of await env.processes()) {
      const pid = ownedPid(p.pidFile, p.marker);
      const ready = pid !== undefined && (await fetch(`http://127.0.0.1:${p.metricsPort}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok).catch(() => false));
      if (!ready) down.push(`${p.name} (${pid === undefined ? 'not running' : 'not ready'}; log ${p.logFile})`);
    }
    const verifyBar = await ops.progressBar('verify --all', o.contracts, 'contracts');
    const verification = new Verification(env.db, { horizon: env.config.horizon, onPage: (c) => verifyBar.update(c.checked, Math.max(o.contracts, c.checked)) });
    await verification.all();
    verifyBar.stop();
    const report = verification.report();
    for (const line of describeMismatches(report.mismatches, 10)) log(`verify: ${line}`);
    const duplicate = Number(
      (await sql(
        `SELECT count(*) AS n FROM (SELECT v.contract_id FROM cashflow_versions v JOIN contract_cashflows c USING (contract_id)
           GROUP BY v.contract_id, v.event_count HAVING count(*) > v.event_count) d`,
        [],
      )).rows[0].n,
    );
    const found = await readDeadLetters(env);
    const deadLetters = checkDeadLetters(written, found);
    if (deadLetters.repeated) log(`dead letters: ${deadLetters.repeated} repeated (a batch retried after its dead letters were sent)`);
    for (const d of deadLetters.unexpected.slice(0, 10)) log(`unexpected dead letter: ${d.row} from ${d.processor}: ${d.reason}`);
    const outcome: ChaosOutcome = {
      scenario: `seed ${o.seed}, ${o.contracts} contracts`,
      faults: faultsDone.length,
      seconds: (Date.now() - started) / 1000,
      verify: report.counts,
      duplicate,
      deadLetters,
      lagging: lag,
      down,
    };
    const problems = outcomeProblems(outcome);
    ok = problems.length === 0;
    return { outcome, table: formatTable(outcome), problems, faults: faultsDone, connectorRestarts: operator.restarts };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    operator.stop();
    ops.stopAllBars();
    await pool?.end().catch(() => {});
    await env.down(!ok);
  }
}

async function writeMalformed(sql: (text: string, params: unknown[]) => Promise<unknown>, row: MalformedRow): Promise<void> {
  switch (row.table) {
    case 'contracts':
      await sql('INSERT INTO contracts (contract_id, contract_type, terms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [row.contractId, row.contractType, row.terms]);
      return;
    case 'market_data':
      await sql('INSERT INTO market_data (market_object_code, observed_at, value) VALUES ($1, $2, $3::double precision) ON CONFLICT DO NOTHING', [row.marketObjectCode, row.observedAt, row.value]);
      return;
    case 'observed_events':
      await sql('INSERT INTO observed_events (contract_id, event_type, observed_at, value, states) VALUES ($1, $2, $3, $4::double precision, $5) ON CONFLICT DO NOTHING', [row.contractId, row.eventType, row.observedAt, row.value, row.states]);
      return;
    case 'positions':
      await sql('INSERT INTO positions (position_id, portfolio_id, contract_id, quantity) VALUES ($1, $2, $3, $4::double precision) ON CONFLICT DO NOTHING', [row.positionId, row.portfolioId, row.contractId, row.quantity]);
      return;
  }
}

/** Every processor's consumer group against the ends of its inputs: the partitions behind. */
async function lagging(env: ChaosEnvironment): Promise<{ where: string; behind: number }[]> {
  const out: { where: string; behind: number }[] = [];
  for (const p of env.topology.processors) {
    for (const input of p.inputs) {
      const topic = env.topology.topic(input).name;
      const committed = await ops.committedOffsets(env.admin, p.consumerGroup, topic);
      for (const [partition, end] of await ops.topicEnds(env.admin, topic)) {
        const c = committed.get(partition) ?? -1n;
        if (end > 0n && c < end) out.push({ where: `${p.consumerGroup} ${topic}[${partition}] ${c}/${end}`, behind: Number(end - (c < 0n ? 0n : c)) });
      }
    }
  }
  return out;
}

/** The dead letter topic from its start to its current end, each letter named by the row it holds. */
async function readDeadLetters(env: ChaosEnvironment): Promise<FoundDeadLetter[]> {
  const topic = env.topology.topic('deadLetter').name;
  const total = Number([...(await ops.topicEnds(env.admin, topic)).values()].reduce((a, b) => a + b, 0n));
  const out: FoundDeadLetter[] = [];
  if (total === 0) return out;
  const codec = createAvroCodec(env.config, env.topology);
  const consumer = await createConsumer(env.config, { groupId: `chaos-dead-letter-reader-${env.run}`, fromBeginning: true, clientId: 'cashflow-chaos-dead-letters' });
  try {
    await consumer.subscribe({ topics: [topic] });
    let failure: Error | undefined;
    await consumer.run({
      eachMessage: async ({ message }) => {
        try {
          const d = (await codec.decode('deadLetter', message.value!)) as DeadLetter;
          out.push({ row: deadLetterRow(d), reason: d.reason, processor: d.processor });
        } catch (e) {
          failure = e as Error;
        }
      },
    });
    const deadline = Date.now() + 300_000;
    while (out.length < total && !failure) {
      if (Date.now() > deadline) throw new Error(`read ${out.length} of ${total} dead letters in 300 s`);
      await sleep(200);
    }
    if (failure) throw failure;
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return out;
}

export type { ScheduledFault };
