// The latency steps of `cashflow bench pipeline` (bench/pipeline.ts): market ticks (a new
// BENCH.TICK observation → the last of the 1,000 new versions committed, with where the time
// went) and single edits (one contract's terms → its new version committed).
import { createConsumer } from '../clients/kafka.js';
import * as ops from '../demo/ops.js';
import { benchContract, TICK_CODE, TICK_CONTRACTS } from './pipeline-book.js';
import type { PipelineBenchEnv } from './pipeline-env.js';
import {
  cpuByComponent,
  cpuDelta,
  formatCpu,
  formatPhases,
  formatSpans,
  phaseDelta,
  phaseTotals,
  StageTap,
  stageSpans,
  TICK_STAGES,
  type PhaseTotals,
  type StageSpan,
} from './stage-tap.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each contract's committed version (cashflow_versions), by id. */
async function versionsOf(env: PipelineBenchEnv, ids: string[]): Promise<Map<string, string>> {
  return new Map((await env.sql.q('SELECT contract_id AS id, version FROM cashflow_versions WHERE contract_id = ANY($1::text[])', [ids])).map((r) => [String(r.id), String(r.version)]));
}

/** ms from `committedAt` until every id has a version above `before`'s, polled every `pollMs`. */
async function waitMoved(env: PipelineBenchEnv, ids: string[], before: Map<string, string>, committedAt: number, pollMs: number, what: string): Promise<number> {
  const deadline = committedAt + 120_000;
  // only the ids not seen moved yet: the poll's own load on the database shrinks as the
  // sink commits (a new version never goes back)
  let pending = ids;
  for (;;) {
    const now = await versionsOf(env, pending);
    pending = pending.filter((id) => BigInt(now.get(id) ?? '-1') <= BigInt(before.get(id) ?? '-1'));
    if (pending.length === 0) return performance.now() - committedAt;
    if (performance.now() > deadline) throw new Error(`${what}: results not committed within 120 s`);
    env.checkInterrupted();
    await sleep(pollMs);
  }
}

/** `ticks` market ticks one after another, each once the pipeline is quiet: their latencies (ms) and stages. */
export async function marketTicks(
  env: PipelineBenchEnv,
  contracts: number,
  ticks: number,
  log: (line: string) => void,
): Promise<{ contracts: number; tickMs: number[]; tickStages: StageSpan[][] }> {
  const { config, topology, admin, db } = env;
  const tickIds = Array.from({ length: Math.min(TICK_CONTRACTS, contracts) }, (_, i) => benchContract(i).id);
  const tickMs: number[] = [];
  const tickWindows: { fromMs: number; toMs: number; latencyMs: number; walMb: number; checkpoints: number }[] = [];
  // a tick's WAL, and whether a checkpoint began during it (the first write of a page after one
  // logs the whole page): the server's WAL position and checkpoints started, before and after
  const CHECKPOINTS = '(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)';
  const tapTopics = new Map(TICK_STAGES.map(([id]) => [id, topology.topic(id).name] as [string, string]));
  const tap = await StageTap.start(
    await createConsumer(config, { groupId: `${env.prefix}bench-tap`, fromBeginning: false, clientId: 'cashflow-bench-tap' }),
    tapTopics,
    (name) => ops.topicEnds(admin, name),
  );
  const scrapePhases = async () => {
    const totals: PhaseTotals = new Map();
    for (const p of await env.processes()) {
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
    env.checkInterrupted();
    await sleep(100);
  }
  log(`CDC caught up with the bulk step's WAL in ${((performance.now() - probeAt) / 1000).toFixed(1)} s`);
  tap.pause();
  const phasesBefore = await scrapePhases();
  const cpuBefore = cpuByComponent();
  const ticksStarted = performance.now();
  const tickBar = await ops.progressBar('market ticks', ticks, 'ticks');
  for (let k = 0; k < ticks; k++) {
    await ops.waitForQuiet(admin, topology);
    const before = await versionsOf(env, tickIds);
    const observedAt = `2019-01-${String(1 + (k % 28)).padStart(2, '0')}T${String(Math.floor(k / 28) % 24).padStart(2, '0')}:00:00`;
    const walBefore = (await env.sql.q(`SELECT pg_current_wal_insert_lsn() AS lsn, ${CHECKPOINTS} AS n`, []))[0] as { lsn: string; n: string };
    await db.upsertMarketData([{ marketObjectCode: TICK_CODE, observedAt, value: 0.03 + (k % 2 ? 0.004 : 0) + k * 1e-5 }]);
    const committedAt = performance.now();
    const committedWall = Date.now();
    const latency = await waitMoved(env, tickIds, before, committedAt, 20, 'tick');
    tickMs.push(latency);
    const walAfter = (await env.sql.q(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1) AS bytes, ${CHECKPOINTS} AS n`, [walBefore.lsn]))[0] as { bytes: string; n: string };
    tickWindows.push({ fromMs: committedWall, toMs: Date.now(), latencyMs: latency, walMb: Number(walAfter.bytes) / 1048576, checkpoints: Number(walAfter.n) - Number(walBefore.n) });
    tickBar.update(k + 1);
  }
  tickBar.stop();
  const ticksSeconds = (performance.now() - ticksStarted) / 1000;
  const cpuPerTick = cpuDelta(cpuBefore, cpuByComponent(), ticks);
  log(`CPU per tick (wall ${(ticksSeconds / ticks).toFixed(2)} s incl. waiting for quiet): ${formatCpu(cpuPerTick)}`);
  const tickPhases = phaseDelta(phasesBefore, await scrapePhases());
  for (const line of formatPhases(tickPhases, ticks)) log(`per tick, ${line}`);
  const tapEnds = new Map(await Promise.all([...tapTopics.values()].map(async (name) => [name, await ops.topicEnds(admin, name)] as const)));
  await tap.catchUp(tapEnds);
  await tap.stop();
  const tickStages = tickWindows.map((w) => stageSpans(tap.seen, TICK_STAGES, w.fromMs, w.toMs));
  tickStages.forEach((spans, k) => {
    const w = tickWindows[k]!;
    log(`tick ${k + 1}: ${formatSpans(spans, w.latencyMs)}; WAL ${w.walMb.toFixed(1)} MB${w.checkpoints ? `, a checkpoint started` : ''}`);
  });
  await env.sampleRss();
  return { contracts: tickIds.length, tickMs, tickStages };
}

/** `edits` single-contract edits one after another, each once the pipeline is quiet: their latencies (ms). */
export async function singleEdits(env: PipelineBenchEnv, contracts: number, edits: number): Promise<number[]> {
  const editMs: number[] = [];
  const editBar = await ops.progressBar('single edits', edits, 'edits');
  for (let k = 0; k < edits; k++) {
    await ops.waitForQuiet(env.admin, env.topology);
    const c = benchContract(Math.min(contracts - 1, TICK_CONTRACTS + k));
    const before = await versionsOf(env, [c.id]);
    c.terms.notionalPrincipal = String(Number(c.terms.notionalPrincipal) + k + 1);
    await env.db.upsertContracts([{ contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms) }]);
    const committedAt = performance.now();
    editMs.push(await waitMoved(env, [c.id], before, committedAt, 5, 'edit'));
    editBar.update(k + 1);
  }
  editBar.stop();
  await env.sampleRss();
  return editMs;
}
