// The same parts in containers (docker-compose.kafka.yml, plus its `test` profile: a PostgreSQL
// prepared for Debezium), started by testcontainers when a Docker engine is present.
// Cannot run on machines without Docker; loaded only with CASHFLOW_TEST_ENV=docker.
import { resolve } from 'node:path';
import type { TestEnv } from './test-env.js';

const root = resolve(import.meta.dirname, '../..');
export const mssqlSaPassword = process.env.MSSQL_SA_PASSWORD ?? 'Cashflow!Test2022';

export async function dockerEnv(): Promise<TestEnv> {
  const { DockerComposeEnvironment, Wait, getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (e) {
    throw new Error(
      `CASHFLOW_TEST_ENV=docker but no Docker engine answers (${(e as Error).message}); use \`npm test\` for the local stack`,
    );
  }
  // A fixed project name: every test file (one worker each) shares one set of containers. Compose
  // checks every `${VAR:?}` of the file, so the API's key is given though no API is started.
  const env = await new DockerComposeEnvironment(root, 'docker-compose.kafka.yml')
    .withProjectName('cashflow-test')
    .withProfiles('test')
    .withEnvironment({ MSSQL_SA_PASSWORD: mssqlSaPassword, CASHFLOW_API_KEYS: 'cashflow-test-key' })
    .withWaitStrategy('kafka-1', Wait.forHealthCheck())
    .withWaitStrategy('schema-registry-1', Wait.forHealthCheck())
    .withWaitStrategy('connect-1', Wait.forHealthCheck())
    .withWaitStrategy('sqlserver-1', Wait.forHealthCheck())
    .withWaitStrategy('postgres-1', Wait.forHealthCheck())
    .withWaitStrategy('redis-1', Wait.forHealthCheck())
    .withStartupTimeout(600_000)
    .up(['kafka', 'schema-registry', 'connect', 'sqlserver', 'postgres', 'redis']);
  void env; // left running for the next test file; `docker compose -p cashflow-test down -v` removes it
  // The compose file publishes fixed host ports.
  return {
    name: 'docker',
    kafkaBootstrapServers: '127.0.0.1:9092',
    schemaRegistryUrl: 'http://127.0.0.1:8081',
    kafkaConnectUrl: 'http://127.0.0.1:8083',
    postgresUrl: 'postgres://postgres:postgres@127.0.0.1:5433/cashflow',
    postgresFromConnect: { host: 'postgres', port: 5432 },
    redisUrl: 'redis://127.0.0.1:6379',
    mssql: {
      url: `mssql://sa:${encodeURIComponent(mssqlSaPassword)}@127.0.0.1:1433/cashflow?encrypt=true&trustServerCertificate=true`,
      fromConnect: { host: 'sqlserver', port: 1433 },
    },
  };
}
