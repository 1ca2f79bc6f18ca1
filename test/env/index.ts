// The environment the integration tests run against: the local stack (default) or, with
// CASHFLOW_TEST_ENV=docker (`npm run test:docker`), containers started by testcontainers.
// Both export the same variables (config/config.ts reads them), so tests never branch on it.

export type { TestEnv } from './test-env.js';
import type { TestEnv } from './test-env.js';

/** Sets the variables of docs/interfaces.md "Environment" for code under test that calls loadConfig(). */
export function exportEnv(env: TestEnv): void {
  process.env.KAFKA_BOOTSTRAP_SERVERS = env.kafkaBootstrapServers;
  process.env.SCHEMA_REGISTRY_URL = env.schemaRegistryUrl;
  process.env.KAFKA_CONNECT_URL = env.kafkaConnectUrl;
  process.env.REDIS_URL = env.redisUrl;
  process.env.DATABASE_URL ??= env.postgresUrl;
  if (env.mssql) process.env.MSSQL_URL = env.mssql.url;
}

let current: Promise<TestEnv> | undefined;

/** The environment for this test file (started or checked once per worker). */
export function testEnv(): Promise<TestEnv> {
  current ??= (async () => {
    const kind = process.env.CASHFLOW_TEST_ENV ?? 'local';
    // Testcontainers is imported only here: without Docker the normal run never loads it.
    const env =
      kind === 'docker'
        ? await (await import('./docker.js')).dockerEnv()
        : await (await import('./local.js')).localEnv();
    exportEnv(env);
    return env;
  })();
  return current;
}

/** A name no other run shares (CI runs on the developer's machine, against the same databases). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}
