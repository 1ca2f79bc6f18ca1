// The last, optional steps of `cashflow bench pipeline` (bench/pipeline.ts): one portfolio
// recalculated at once (`recalc --portfolio P --wait`'s code path), and `cashflow verify --all`
// on the book timed beside the engine alone.
import { createProducer } from '../clients/kafka.js';
import { createAvroCodec } from '../clients/schema-registry.js';
import * as ops from '../demo/ops.js';
import type { WaitPhase } from '../demo/ops.js';
import type { TimeSeriesObserver } from '../engine/index.js';
import { mismatchCount } from '../processors/verification.js';
import { Verification } from '../processors/verify-run.js';
import { benchContract, BENCH_PORTFOLIO, engineAloneSeconds, percentile } from './pipeline-book.js';
import type { PipelineBenchEnv } from './pipeline-env.js';

/** One portfolio's recalculation, request to last row committed (ms). */
export interface PortfolioFigures {
  lots: number;
  contracts: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** `verify --all` on the book beside the engine alone. */
export interface VerifyFigures {
  seconds: number;
  readSeconds: number;
  computeSeconds: number;
  engineAloneSeconds: number;
  contracts: number;
  rows: number;
  mismatching: number;
  peakRssMb: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * `lots` positions of one portfolio over the book, ingested by positions-ingest; then `runs`
 * times, from the request to the last row committed: membership read, requests, calculator
 * then sink committed past them.
 */
export async function portfolioRecalcs(
  env: PipelineBenchEnv,
  contracts: number,
  lots: number,
  portfolioRuns: number,
  log: (line: string) => void,
): Promise<PortfolioFigures> {
  const { config, topology, admin } = env;
  const requestsTopic = topology.topic('recalcRequests').name;
  // lots spread over the whole book (every type, tick contracts and not), a contract held
  // twice when there are more lots than contracts
  const stride = Math.max(1, Math.floor(contracts / lots));
  const positions = Array.from({ length: lots }, (_, i) => ({ positionId: `bench-lot-${String(i).padStart(7, '0')}`, portfolioId: BENCH_PORTFOLIO, contractId: benchContract((i * stride) % contracts).id, quantity: 1 + (i % 7) }));
  await env.db.upsertPositions(positions);
  const { store, close } = await ops.openStore(config);
  const runMs: number[] = [];
  const splits: string[] = [];
  let held = 0;
  try {
    for (const deadline = Date.now() + 120_000; (held = (await ops.portfolioContracts(store, BENCH_PORTFOLIO)).length) < Math.min(lots, contracts); ) {
      if (Date.now() > deadline) throw new Error(`portfolio: ${held} of ${lots} lots in the membership state after 120 s`);
      env.checkInterrupted();
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
  splits.forEach((line, k) => log(`portfolio run ${k + 1}: ${line}`));
  log(`portfolio of ${lots} lots (${held} contracts): request to last row committed ${ps.map((x) => Math.round(x)).join(', ')} ms`);
  return { lots, contracts: held, samples: ps.length, p50Ms: Math.round(percentile(ps, 50)), p99Ms: Math.round(percentile(ps, 99)), maxMs: Math.round(ps[ps.length - 1] ?? NaN) };
}

/** `cashflow verify --all` on the book (processors/verify-run.ts), and the engine alone on the same book. */
export async function verifyAll(
  env: PipelineBenchEnv,
  contracts: number,
  observer: TimeSeriesObserver,
  log: (line: string) => void,
): Promise<VerifyFigures> {
  await ops.waitForQuiet(env.admin, env.topology);
  // the engine alone on the same book (terms parsed, schedule computed), for the comparison
  const engineSeconds = engineAloneSeconds(contracts, observer);
  const bar = await ops.progressBar('verify --all', contracts, 'contracts');
  const v = new Verification(env.db, { horizon: env.config.horizon, onPage: (c) => bar.update(c.checked, Math.max(contracts, c.checked)) });
  const v0 = performance.now();
  await v.all();
  bar.stop();
  const r = v.report();
  const verify: VerifyFigures = {
    seconds: round((performance.now() - v0) / 1000, 2),
    readSeconds: round(r.readSeconds, 2),
    computeSeconds: round(r.computeSeconds, 2),
    engineAloneSeconds: round(engineSeconds, 2),
    contracts: r.counts.checked,
    rows: r.counts.rows,
    mismatching: mismatchCount(r.counts),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
  };
  log(`verify --all: ${JSON.stringify(r.counts)} in ${verify.seconds} s (database read ${verify.readSeconds} s, expectation and comparison ${verify.computeSeconds} s; engine alone ${verify.engineAloneSeconds} s)`);
  for (const m of r.mismatches.slice(0, 5)) log(`verify: ${m.contractId} ${m.kind} ${JSON.stringify(m.differences.slice(0, 2))}`);
  return verify;
}
