// `cashflow state rebuild`: restores the Redis state (contracts, market series, dependency
// index, last published fingerprints) from the compacted topics, with a progress bar. The
// writes are version-guarded, so it is safe next to running processors; --clear empties this
// environment's key prefix first (never the whole Redis). It takes the rebuild lock the
// processors take when they heal lost state (waiting while one of them rebuilds) and writes
// the state marker at its end (state/healing.ts): processors that met the cleared state wait
// for that marker, then go on.
import { UserFacingError, configUses } from '../command.js';
import { loadConfig } from '../../config/config.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { rebuildState } from '../../state/rebuild.js';
import { RedisHealPort, rebuildWithLock, ownerId } from '../../state/healing.js';
import { RedisStateStore } from '../../state/redis-store.js';
import { progressBar, redisPrefix, stopAllBars } from '../../demo/ops.js';
import { withClients } from '../../dependencies/scope.js';

/** `cashflow state rebuild` */
export async function action(opts: { clear?: boolean; timeout: string }): Promise<void> {
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UserFacingError('--timeout must be a positive number of seconds', 2);
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
}

