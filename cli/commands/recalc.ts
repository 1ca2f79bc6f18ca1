// `cashflow recalc --all | --contract ID… | --market CODE | --portfolio P [--as-of DATE] [--wait]`:
// puts RecalcRequests (cause manual) on the recalc-requests topic. --all pages the contract ids
// out of the contracts table; --market asks the state store's dependency index; --portfolio its
// portfolio membership (positions-ingest keeps it from the positions table). A progress bar with
// rate and ETA runs on stderr; with --wait it goes on until the calculator and the sink have
// committed past the requests (the runner commits only after effects are durable), so the
// database reflects them when the command returns.
import type { Config } from '../../config/config.js';
import { loadConfig } from '../../config/config.js';
import * as ops from '../../demo/ops.js';
import { ClientScope } from '../../dependencies/scope.js';
import { RedisStateStore } from '../../state/redis-store.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { UserFacingError, configUses } from '../command.js';

interface RecalcOptions {
  all?: boolean;
  contract?: string[];
  market?: string;
  portfolio?: string;
  asOf?: string;
  wait?: boolean;
  timeout: string;
}

/** `cashflow recalc` */
export async function action(opts: RecalcOptions): Promise<void> {
  const chosen = [opts.all, opts.contract, opts.market, opts.portfolio].filter((x) => x !== undefined && x !== false).length;
  if (chosen !== 1) throw new UserFacingError('give exactly one of --all, --contract ID…, --market CODE, --portfolio P', 2);
  let asOf: string | null = null;
  if (opts.asOf !== undefined) {
    try {
      asOf = ops.normaliseAsOf(opts.asOf);
    } catch (e) {
      throw new UserFacingError(`--as-of: ${(e as Error).message}`, 2);
    }
  }
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UserFacingError('--timeout must be a positive number of seconds', 2);

  const config = loadConfig(process.env, configUses.pipelineClients);
  const topology = topologyFromConfig(config);
  const topic = topology.topic('recalcRequests').name;
  // every client through one scope, closed on every path: a producer that failed to
  // connect used to leave the admin client (and the process) running
  const clients = new ClientScope(config);
  const started = Date.now();
  const requested: string[] = [];
  try {
    if (opts.all) await clients.meet('database');
    const encode = await (await clients.codec(topology)).encoder('recalcRequests');
    const admin = await clients.admin('cashflow-recalc');
    const producer = await clients.producer({ clientId: 'cashflow-recalc' });
    const from = await ops.topicEnds(admin, topic);
    const marketObjectCode = opts.market ?? null;
    const send = (ids: string[]) =>
      ops.sendRecalcRequests(producer, topic, encode, ids.map((id) => ops.manualRequest(id, { asOf, marketObjectCode })));

    if (opts.all) {
      const total = await ops.countContracts(config);
      const bar = await ops.progressBar('requesting', total, 'contracts');
      try {
        for await (const page of ops.contractIdPages(config)) {
          await send(page);
          requested.push(...page);
          bar.update(requested.length, Math.max(total, requested.length));
        }
      } finally {
        bar.stop();
      }
    } else {
      const ids = opts.contract ?? (opts.portfolio !== undefined ? await heldBy(opts.portfolio) : await dependentsOf(opts.market!));
      if (ids.length === 0 && opts.portfolio !== undefined)
        throw new UserFacingError(`portfolio ${opts.portfolio} holds no positions (portfolio membership state): nothing requested`);
      if (ids.length === 0) {
        process.stdout.write(`no contract depends on ${opts.market} (dependency index): nothing requested\n`);
        return;
      }
      const bar = await ops.progressBar('requesting', ids.length, 'contracts');
      for (let i = 0; i < ids.length; i += 10_000) {
        await send(ids.slice(i, i + 10_000));
        bar.update(Math.min(ids.length, i + 10_000));
      }
      bar.stop();
      requested.push(...ids);
    }
    const producedSeconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `requested ${requested.length} contract${requested.length === 1 ? '' : 's'} (cause manual${asOf ? `, as of ${asOf}` : ''}) on ${topic} in ${producedSeconds.toFixed(1)} s\n`,
    );
    if (!opts.wait) return;

    const to = await ops.topicEnds(admin, topic);
    await ops.waitForResults(admin, topology, from, to, {
      timeoutMs: Math.max(1, started + timeoutMs - Date.now()),
      // a few contracts are done within a second: offsets read often enough to see it
      pollMs: opts.all ? 250 : 50,
      phase: (phase, wait) => waitWithBar(phase, phase === 'computing' ? 'requests' : 'results', wait),
    });
    const present = await versionsPresent(config, opts.all ? null : requested);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `results committed in ${seconds.toFixed(1)} s: cashflow_versions has ${present} of ${requested.length} requested contracts` +
        ` (${Math.round(requested.length / seconds)} contracts/s end to end)\n`,
    );
  } catch (e) {
    if (e instanceof ops.WaitTimeoutError) throw new UserFacingError(e.message);
    throw e;
  } finally {
    ops.stopAllBars();
    await clients.close();
  }

  async function heldBy(portfolioId: string): Promise<string[]> {
    // checkReady: a state being rebuilt answers StateLostError, not an empty portfolio
    const store = new RedisStateStore(await clients.redis({ name: 'cashflow-cli', keyPrefix: ops.redisPrefix() }), { checkReady: true });
    return ops.portfolioContracts(store, portfolioId);
  }

  async function dependentsOf(code: string): Promise<string[]> {
    const store = new RedisStateStore(await clients.redis({ name: 'cashflow-cli', keyPrefix: ops.redisPrefix() }));
    return (await store.dependents([code])).get(code) ?? [];
  }
}

async function waitWithBar(label: string, unit: string, wait: (onProgress: (done: number, total: number) => void) => Promise<void>) {
  let bar: ops.Progress | undefined;
  try {
    await wait((done, total) => {
      if (total === 0) return; // nothing to wait for: no bar
      if (!bar) return void ops.progressBar(label, total, unit).then((b) => ((bar = b), b.update(done, total)));
      bar.update(done, total);
    });
  } finally {
    // the bar may still be opening when the wait ends at once
    await new Promise((r) => setImmediate(r));
    bar?.stop();
  }
}

/** How many of the contracts (or, for null, of all contracts) have a row in cashflow_versions. */
async function versionsPresent(config: Config, ids: string[] | null): Promise<number> {
  return ops.withSql(config, async (q, dialect) => {
    if (ids === null) {
      const r = await q('SELECT count(*) AS n FROM cashflow_versions v JOIN contracts c ON c.contract_id = v.contract_id', []);
      return Number(r[0]?.n ?? 0);
    }
    if (dialect === 'mssql') {
      let n = 0;
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const r = await q(`SELECT count(*) AS n FROM cashflow_versions WHERE contract_id IN (${chunk.map((_, j) => `@p${j + 1}`).join(',')})`, chunk);
        n += Number(r[0]?.n ?? 0);
      }
      return n;
    }
    const r = await q('SELECT count(*) AS n FROM cashflow_versions WHERE contract_id = ANY($1::text[])', [ids]);
    return Number(r[0]?.n ?? 0);
  });
}
