// `cashflow demo`: the pipeline end to end on the local stack, in the default database.
//   1. the platform as `cashflow start` prepares it, and the processors (started if not running)
//   2. the sample book (demo/book.ts): market data, contracts, positions; only rows that differ
//      from what the tables hold are written, so a second run changes nothing in the book
//   3. wait until every contract of the book has its result in cashflow_versions
//   4. one new observation of one rate: which contracts were recomputed, and how long from its
//      commit to the last result row committed
//   5. the cash flow ladder of one portfolio by month: a text table and an SVG file
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDatabase } from '../db/open.js';
import { createAdmin } from '../clients/kafka.js';
import type { Config } from '../config/config.js';
import { preparePlatform, startProcessors, stopProcessors } from '../platform/processes.js';
import { topologyFromConfig } from '../topology/topology.js';
import { DEMO_PREFIX, PORTFOLIOS, RATE_CODES, demoContracts, demoMarketData, demoPositions, demoTypes } from './book.js';
import { ladderSvg, ladderTable, monthTotals, monthWindow } from './ladder.js';
import { openSql, openStore, pipelineQuiet, progressBar, stopAllBars, waitForQuiet } from './ops.js';

export interface DemoOptions {
  contracts: number;
  portfolio: string;
  outDir: string;
  keepRunning: boolean;
  timeoutMs: number;
}

export interface DemoSummary {
  contracts: number;
  types: Record<string, number>;
  written: { contracts: number; marketData: number; positions: number };
  initialSeconds: number;
  tick: { code: string; observedAt: string; from: number | null; to: number; dependents: number; recomputed: number; sample: string[]; endToEndMs: number };
  ladderFile: string;
}

const out = (s: string) => process.stdout.write(s);
const say = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo(config: Config, options: DemoOptions): Promise<DemoSummary> {
  const t0 = Date.now();
  const topology = topologyFromConfig(config);

  say('== 1. platform: stack, database, topics, schemas, connector, processors');
  await preparePlatform(config, say);
  const started = await startProcessors(config);
  say(
    started.started.length
      ? `processors started: ${started.started.map((p) => p.name).join(', ')} (logs in ${resolve(config.stack.dir, 'logs')})`
      : 'processors already running',
  );

  const admin = await createAdmin(config, 'cashflow-demo');
  const database = await createDatabase(config);
  const sql = await openSql(config);
  try {
    // ------------------------------------------------------------ 2. the book
    say(`== 2. sample book: ${options.contracts} contracts of ${demoTypes().join(', ')}`);
    const book = demoContracts(options.contracts);
    const ids = book.map((c) => c.row.contractId);
    const types: Record<string, number> = {};
    for (const c of book) types[c.row.contractType] = (types[c.row.contractType] ?? 0) + 1;

    const market = demoMarketData(book);
    const storedMarket = new Map(
      (
        await sql.q(
          `SELECT market_object_code AS c, to_char(observed_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS t, value AS v
           FROM market_data WHERE market_object_code = ANY($1::text[])`,
          [[...new Set(market.map((m) => m.marketObjectCode))]],
        )
      ).map(
        (r) => [`${String(r.c)}|${String(r.t)}`, Number(r.v)],
      ),
    );
    // Observations after the book's history (earlier demo ticks) are left alone: the tick below moves them.
    const marketToWrite = market.filter((m) => storedMarket.get(`${m.marketObjectCode}|${m.observedAt}`) !== m.value);
    if (marketToWrite.length) await database.upsertMarketData(marketToWrite);

    const storedTerms = new Map(
      (await sql.q('SELECT contract_id AS id, terms FROM contracts WHERE contract_id = ANY($1::text[])', [ids])).map((r) => [String(r.id), String(r.terms)]),
    );
    const contractsToWrite = book.filter((c) => storedTerms.get(c.row.contractId) !== c.row.terms).map((c) => c.row);
    if (contractsToWrite.length) {
      const bar = await progressBar('writing contracts', contractsToWrite.length, 'rows');
      for (let i = 0; i < contractsToWrite.length; i += 500) {
        await database.upsertContracts(contractsToWrite.slice(i, i + 500));
        bar.update(Math.min(contractsToWrite.length, i + 500));
      }
      bar.stop();
    }
    // a book of another size or shape leaves demo rows the current one lacks: remove them
    const staleContracts = (await sql.q('SELECT contract_id AS id FROM contracts WHERE contract_id LIKE $1 AND NOT (contract_id = ANY($2::text[]))', [`${DEMO_PREFIX}%`, ids])).map((r) => String(r.id));
    if (staleContracts.length) await database.deleteContracts(staleContracts);
    const positions = demoPositions(book);
    await sql.q('DELETE FROM positions WHERE contract_id LIKE $1 AND NOT (position_id = ANY($2::text[]))', [`${DEMO_PREFIX}%`, positions.map((p) => p.positionId)]);
    const storedPositions = new Set(
      (await sql.q("SELECT position_id || '|' || portfolio_id || '|' || contract_id || '|' || quantity AS k FROM positions WHERE contract_id = ANY($1::text[])", [ids])).map((r) => String(r.k)),
    );
    const positionsToWrite = positions.filter((p) => !storedPositions.has(`${p.positionId}|${p.portfolioId}|${p.contractId}|${p.quantity}`));
    if (positionsToWrite.length) await database.upsertPositions(positionsToWrite);
    say(
      `written: ${contractsToWrite.length} contracts, ${marketToWrite.length} market observations, ${positionsToWrite.length} positions` +
        (staleContracts.length ? `; removed ${staleContracts.length} demo contracts of an earlier, different book` : '') +
        (contractsToWrite.length + marketToWrite.length + positionsToWrite.length === 0 ? ' (the book was already loaded)' : ''),
    );

    // ------------------------------------------------------------ 3. every result committed
    say('== 3. waiting for every contract of the book to have its result in the database');
    const loadStart = Date.now();
    const counted = async () =>
      Number((await sql.q('SELECT count(*) AS n FROM cashflow_versions WHERE contract_id = ANY($1::text[])', [ids]))[0]?.n ?? 0);
    let have = await counted();
    if (have < ids.length) {
      const bar = await progressBar('computing the book', ids.length, 'contracts');
      const deadline = Date.now() + options.timeoutMs;
      while (have < ids.length) {
        bar.update(have);
        if (Date.now() > deadline) {
          bar.stop();
          throw new Error(`only ${have} of ${ids.length} contracts have results after ${options.timeoutMs / 1000} s; see the processor logs in ${resolve(config.stack.dir, 'logs')}`);
        }
        await sleep(500);
        have = await counted();
      }
      bar.update(have);
      bar.stop();
    }
    await waitForQuiet(admin, topology, options.timeoutMs);
    const initialSeconds = (Date.now() - loadStart) / 1000;
    const statuses = await sql.q('SELECT status, count(*) AS n, sum(event_count) AS e FROM cashflow_versions WHERE contract_id = ANY($1::text[]) GROUP BY status ORDER BY status', [ids]);
    const rowsTotal = statuses.reduce((s, r) => s + Number(r.e ?? 0), 0);
    out(
      `book: ${ids.length} contracts (${Object.entries(types).map(([t, n]) => `${n} ${t}`).join(', ')}), ${rowsTotal} cash flow rows; ` +
        `status ${statuses.map((r) => `${r.status}=${r.n}`).join(' ')}; ` +
        (contractsToWrite.length ? `computed and committed in ${initialSeconds.toFixed(1)} s (${Math.round(contractsToWrite.length / initialSeconds)} contracts/s)\n` : 'already current\n'),
    );

    // ------------------------------------------------------------ 4. one market tick
    const code = RATE_CODES[0];
    const observedAt = '2026-12-01T00:00:00';
    const current = await sql.q('SELECT value FROM market_data WHERE market_object_code = $1 AND observed_at = $2::timestamp', [code, observedAt]);
    const last = await sql.q('SELECT value FROM market_data WHERE market_object_code = $1 AND observed_at < $2::timestamp ORDER BY observed_at DESC LIMIT 1', [code, observedAt]);
    const from = current.length ? Number(current[0].value) : null;
    const base = from ?? Number(last[0]?.value ?? 0.03);
    // every run moves the rate, so every run recomputes something visible
    const to = Math.round((base > 0.04 ? base - 0.005 : base + 0.005) * 1e6) / 1e6;
    say(`== 4. market tick: ${code} at ${observedAt}: ${from ?? '(none)'} → ${to}`);
    const { store, close } = await openStore(config);
    let dependents: string[];
    try {
      dependents = (await store.dependents([code])).get(code) ?? [];
    } finally {
      await close();
    }
    const versionsOf = async () =>
      new Map((await sql.q('SELECT contract_id AS id, version FROM cashflow_versions WHERE contract_id = ANY($1::text[])', [dependents])).map((r) => [String(r.id), BigInt(String(r.version))]));
    const before = await versionsOf();
    await database.upsertMarketData([{ marketObjectCode: code, observedAt, value: to }]);
    const committedAt = Date.now();
    let lastChangeAt = committedAt;
    let changed: string[] = [];
    const deadline = committedAt + options.timeoutMs;
    for (;;) {
      const now = await versionsOf();
      const moved = dependents.filter((id) => (now.get(id) ?? -1n) > (before.get(id) ?? -1n));
      if (moved.length > changed.length) {
        lastChangeAt = Date.now();
        changed = moved;
      }
      // done once something moved and the whole pipeline has nothing in flight any more
      if (changed.length > 0 && Date.now() - lastChangeAt > 300 && (await pipelineQuiet(admin, topology))) break;
      if (Date.now() > deadline) throw new Error(`the tick's results did not arrive within ${options.timeoutMs / 1000} s`);
      await sleep(20);
    }
    const endToEndMs = lastChangeAt - committedAt;
    const sample = [...changed].sort().slice(0, 5);
    out(
      `market tick ${code} @ ${observedAt} ${from ?? '(new)'} → ${to}: ${dependents.length} contracts depend on ${code} (dependency index), ` +
        `${changed.length} got new schedules, e.g. ${sample.join(', ')}; ${ids.length - dependents.length} others untouched\n` +
        `end to end, commit of the observation → last result row committed: ${endToEndMs} ms\n`,
    );

    // ------------------------------------------------------------ 5. the ladder
    const portfolio = options.portfolio;
    const ladder = await database.cashflowLadder(portfolio, 'month');
    const currency = ladder.find((r) => r.currency)?.currency ?? 'USD';
    const totals = monthTotals(ladder, currency);
    const firstMonth = observedAt.slice(0, 7);
    out(`\ncash flow ladder of portfolio ${portfolio} by month (${currency}, next 24 months):\n`);
    out(ladderTable(monthWindow(totals, firstMonth, 24), currency));
    mkdirSync(options.outDir, { recursive: true });
    const ladderFile = resolve(join(options.outDir, `ladder-${portfolio}.svg`));
    writeFileSync(ladderFile, ladderSvg(monthWindow(totals, firstMonth, 120), `Cash flow ladder of ${portfolio}, ${firstMonth} onwards (10 years)`, currency));
    out(`ladder picture (10 years): ${ladderFile}\n`);
    out(`demo done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    return {
      contracts: ids.length,
      types,
      written: { contracts: contractsToWrite.length, marketData: marketToWrite.length, positions: positionsToWrite.length },
      initialSeconds,
      tick: { code, observedAt, from, to, dependents: dependents.length, recomputed: changed.length, sample, endToEndMs },
      ladderFile,
    };
  } finally {
    stopAllBars();
    await sql.close().catch(() => {});
    await database.close().catch(() => {});
    await admin.disconnect().catch(() => {});
    if (!options.keepRunning && started.started.length) {
      const r = await stopProcessors(config);
      say(`processors the demo started are stopped again (${[...r.stopped, ...r.killed].join(', ')}); \`cashflow start\` keeps them running`);
    } else say('processors keep running: `cashflow stop` stops them');
  }
}

export { DEMO_PREFIX, PORTFOLIOS };
