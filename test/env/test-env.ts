// What an environment of the integration tests provides (test/env/index.ts picks one).
export interface TestEnv {
  name: 'local' | 'docker';
  kafkaBootstrapServers: string;
  schemaRegistryUrl: string;
  kafkaConnectUrl: string;
  /** PostgreSQL as the tests reach it. */
  postgresUrl: string;
  /** PostgreSQL as Kafka Connect reaches it (a container name under Docker). */
  postgresFromConnect: { host: string; port: number };
  redisUrl: string;
  /** SQL Server, under Docker only, as the tests and as Connect reach it. */
  mssql?: { url: string; fromConnect: { host: string; port: number } };
}
