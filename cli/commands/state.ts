import type { Command } from 'commander';
import { UserFacingError, configUses } from '../command.js';

// `cashflow state rebuild`: restores the Redis state (contracts, market series, dependency
// index, last published fingerprints) from the compacted topics, with a progress bar. The
// writes are version-guarded, so it is safe next to running processors; --clear empties this
// environment's key prefix first (never the whole Redis). It takes the rebuild lock the
// processors take when they heal lost state (waiting while one of them rebuilds) and writes
// the state marker at its end (state/healing.ts): processors that met the cleared state wait
// for that marker, then go on.
export function register(program: Command): void {
  const state = program.command('state').description('the Redis state of the pipeline');
  state
    .command('rebuild')
    .description('rebuild the Redis state from the compacted topics (contract terms, market observations, contract cash flows)')
    .option('--clear', "delete this environment's state keys first (prefix CASHFLOW_REDIS_PREFIX, default cashflow:)")
    .option('--timeout <seconds>', 'give up after this long', '1800')
    .action(async (opts: { clear?: boolean; timeout: string }) => {
      const timeoutMs = Number(opts.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UserFacingError('--timeout must be a positive number of seconds', 2);
      const { loadConfig } = await import('../../config/config.js');
      const { topologyFromConfig } = await import('../../topology/topology.js');
      const { rebuildState } = await import('../../state/rebuild.js');
      const { RedisHealPort, rebuildWithLock, ownerId } = await import('../../state/healing.js');
      const { RedisStateStore } = await import('../../state/redis-store.js');
      const { progressBar, redisPrefix, stopAllBars } = await import('../../demo/ops.js');
      const { withClients } = await import('../../clients/scope.js');
      const config = loadConfig(process.env, configUses.pipelineClients);
      const topology = topologyFromConfig(config);
      await withClients(config, async (clients) => {
        // Kafka, the registry and Redis before anything is written: one of them down stops the command at once
        await clients.meet('kafka', 'schema-registry');
        const store = new RedisStateStore(await clients.redis({ name: 'cashflow-cli', keyPrefix: redisPrefix() }));
        let bar: Awaited<ReturnType<typeof progressBar>> | undefined;
        let opening: Promise<unknown> | undefined;
        try {
          const port = new RedisHealPort(store.redis, ({ clear, onProgress }) =>
            rebuildState({ config, topology, store, redisPrefix: redisPrefix(), clear, timeoutMs, onProgress }),
          );
          const r = await rebuildWithLock(port, {
            by: ownerId('cli'),
            clear: opts.clear === true,
            timeoutMs,
            onWait: () => process.stderr.write('another process is rebuilding the state: waiting for its lock\n'),
            onProgress: ({ records, total }) => {
              if (bar) bar.update(records, total);
              else opening ??= progressBar('rebuilding state', total, 'records').then((b) => ((bar = b), b.update(records, total)));
            },
          });
          await opening;
          bar?.stop();
          process.stdout.write(
            `state rebuilt in ${(r.durationMs / 1000).toFixed(1)} s from ${r.records} records: ${r.contracts} contract terms, ${r.observations} market observations, ` +
              `${r.results} published results, ${r.positions ?? 0} positions${opts.clear ? ` (${r.clearedKeys} keys cleared first)` : ''}\n`,
          );
        } finally {
          await opening?.catch(() => {});
          bar?.stop();
          stopAllBars();
        }
      });
    });
}
