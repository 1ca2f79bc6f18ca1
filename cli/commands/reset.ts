// `cashflow reset [--yes]`: undoes what `cashflow start` (and `demo`) made for the configured
// environment, in the reverse order of preparePlatform: its processors, the connector (its
// stored offsets first, so a connector of the same name later snapshots the new tables
// instead of resuming from a position of the old ones), the replication slot (PostgreSQL keeps
// WAL for a slot nobody reads), the database, the topics of the topology, the consumer groups,
// the schema subjects and the Redis keys of the prefix. Without --yes it only lists them. The
// stack itself stays up: `cashflow stack down` stops it.
import type { Config } from '../../config/config.js';
import { UserFacingError, configUses } from '../command.js';
import type { Say } from '../../platform/processes.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { sourceConnector } from '../../connectors/debezium.js';
import { stopProcessors } from '../../platform/processes.js';
import { requestJson } from '../../clients/http.js';
import { deleteSubject } from '../../clients/schema-registry.js';
import { dropReplicationSlot, dropDatabase } from '../../db/postgres/index.js';
import { createAdmin, deleteTopics, deleteConsumerGroups } from '../../clients/kafka.js';
import { connectRedis } from '../../clients/redis.js';
import { clearState } from '../../state/redis-store.js';
import { loadConfig } from '../../config/config.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a reset of `config`'s environment removes, by kind (pure: names only). */
export async function resetTargets(config: Config): Promise<{ kind: string; names: string[] }[]> {
  const topology = topologyFromConfig(config);
  const connector = sourceConnector(config, topology);
  const database = decodeURIComponent(new URL(config.database.url).pathname.replace(/^\//, '')) || 'cashflow';
  return [
    { kind: 'processors', names: [`those \`cashflow start\` runs for prefix "${topology.options.prefix}"`] },
    { kind: 'connector', names: [connector.name] },
    { kind: 'replication slot', names: connector.slotName ? [connector.slotName] : [] },
    { kind: 'database', names: [database] },
    { kind: 'topics', names: topology.topics.map((t) => t.name) },
    { kind: 'consumer groups', names: topology.processors.map((p) => p.consumerGroup) },
    { kind: 'schema subjects', names: topology.topics.filter((t) => t.value.format === 'avro').map((t) => topology.valueSubject(t.id)) },
    { kind: 'redis keys', names: [`${config.pipeline.redisPrefix}*`] },
  ];
}

export async function resetPlatform(config: Config, say: Say): Promise<void> {
  if (config.database.dialect !== 'postgres')
    throw new UserFacingError('cashflow reset works on the local stack (DATABASE_DIALECT=postgres); on SQL Server remove the database and connector by hand', 2);
  const step = async (label: string, work: () => Promise<string>) => {
    const t0 = Date.now();
    const detail = await work();
    say(`${label.padEnd(18)} ${detail} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };
  const targets = new Map((await resetTargets(config)).map((t) => [t.kind, t.names]));
  await step('processors', async () => {
    const r = await stopProcessors(config);
    return r.stopped.length ? `stopped ${r.stopped.join(', ')}` : 'none running';
  });
  const connectorName = targets.get('connector')![0]!;
  const connectorUrl = `${config.kafkaConnectUrl}/connectors/${encodeURIComponent(connectorName)}`;
  await step('connector', async () => {
    const stop = await requestJson('connect', 'PUT', `${connectorUrl}/stop`, undefined, { accept: [404] });
    if (stop.status === 404) return `${connectorName}: none`;
    // Connect deletes offsets only of a stopped connector (KIP-875)
    for (let i = 0; i < 60; i++) {
      const s = await requestJson<{ connector: { state: string } }>('connect', 'GET', `${connectorUrl}/status`, undefined, { accept: [404] });
      if (s.status === 404 || s.body.connector.state === 'STOPPED') break;
      await sleep(500);
    }
    await requestJson('connect', 'DELETE', `${connectorUrl}/offsets`, undefined, { accept: [404] });
    await requestJson('connect', 'DELETE', connectorUrl, undefined, { accept: [404] });
    return `${connectorName}: offsets and connector deleted`;
  });
  for (const slot of targets.get('replication slot')!)
    await step('replication slot', async () => ((await dropReplicationSlot(config.database.url, slot)) ? `${slot} dropped` : `${slot}: none`));
  const database = targets.get('database')![0]!;
  await step('database', async () => {
    await dropDatabase(config.database.url, database);
    return `${database} dropped`;
  });
  const admin = await createAdmin(config, 'cashflow-reset');
  try {
    const topics = new Set(targets.get('topics'));
    await step('topics', async () => {
      await deleteTopics(admin, (t) => topics.has(t));
      return `${topics.size} of the topology deleted where present`;
    });
    const groups = new Set(targets.get('consumer groups'));
    await step('consumer groups', async () => {
      await deleteConsumerGroups(admin, (g) => groups.has(g));
      return `${groups.size} of the topology deleted where present`;
    });
  } finally {
    await admin.disconnect();
  }
  await step('schema subjects', async () => {
    let deleted = 0;
    for (const subject of targets.get('schema subjects')!) {
      if (await deleteSubject(config, subject)) deleted++;
    }
    return `${deleted} deleted`;
  });
  await step('redis keys', async () => {
    const redis = await connectRedis(config, { name: 'cashflow-reset' });
    try {
      return `${await clearState(redis, config.pipeline.redisPrefix)} keys under ${config.pipeline.redisPrefix} deleted`;
    } finally {
      redis.disconnect();
    }
  });
}

/** `cashflow reset` */
export async function action(opts: { yes?: boolean }): Promise<void> {
  const config = loadConfig(process.env, configUses.platform);
  if (!opts.yes) {
    for (const t of await resetTargets(config)) process.stdout.write(`${t.kind}: ${t.names.join(', ') || '(none)'}\n`);
    process.stdout.write('# nothing removed: run `cashflow reset --yes` to remove these\n');
    return;
  }
  await resetPlatform(config, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write('reset done: the stack still runs (`cashflow stack down` stops it)\n');
}

