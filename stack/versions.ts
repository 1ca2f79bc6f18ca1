// The versions the local stack runs. One Kafka version for every Kafka artifact; the registry is
// the newest Apicurio release that runs on Java 17 (3.3.x needs Java 21: docs/operations.md).
export const stackVersions: StackVersions = {
  kafka: '4.3.1',
  log4j: '2.24.3',
  debezium: '3.6.1.Final',
  apicurio: '3.0.9',
};

export interface StackVersions {
  kafka: string;
  log4j: string;
  debezium: string;
  apicurio: string;
}

/** The Debezium connector plugins Connect must list before the stack counts as healthy. */
export const debeziumPlugins = [
  {
    name: 'postgres',
    artifactId: 'debezium-connector-postgres',
    connectorClass: 'io.debezium.connector.postgresql.PostgresConnector',
  },
  {
    name: 'sqlserver',
    artifactId: 'debezium-connector-sqlserver',
    connectorClass: 'io.debezium.connector.sqlserver.SqlServerConnector',
  },
] as const;
