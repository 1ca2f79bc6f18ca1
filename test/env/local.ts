// The local stack started by `cashflow stack up`: checked, never started, by the tests.
import { loadConfig } from '../../config/config.js';
import { checkComponent, postgresUrl } from '../../stack/health.js';
import { components } from '../../stack/layout.js';
import type { TestEnv } from './test-env.js';

export async function localEnv(): Promise<TestEnv> {
  const config = loadConfig();
  const health = await Promise.all(components.map((c) => checkComponent(c, config)));
  const bad = health.filter((h) => !h.healthy);
  if (bad.length > 0) {
    throw new Error(
      `the local stack is not healthy (${bad.map((h) => `${h.component}: ${h.detail}`).join('; ')}): run \`npx cashflow stack up\``,
    );
  }
  const pg = new URL(postgresUrl(config));
  return {
    name: 'local',
    kafkaBootstrapServers: config.kafka.bootstrapServers,
    schemaRegistryUrl: config.schemaRegistryUrl,
    kafkaConnectUrl: config.kafkaConnectUrl,
    postgresUrl: postgresUrl(config),
    // Connect runs on this machine: it reaches PostgreSQL where we do.
    postgresFromConnect: { host: pg.hostname, port: Number(pg.port || 5432) },
    redisUrl: config.redisUrl,
  };
}
