// Debezium source connector configs (PostgreSQL locally and in CI, SQL Server in production),
// filled from the configuration and the environment: nothing environment-specific or secret is
// committed. CDC topics carry JSON with schemas; decimals arrive as doubles.
import { loadConfig, type Config } from '../config/config.js';
import { javaClientSecurity, prefixed } from '../config/kafka-java-properties.js';
import { CAPTURED_TABLES, CDC_HEARTBEAT_TABLE } from '../db/schema.js';
import type { Topology } from '../topology/topology.js';

export type ConnectorConfig = Record<string, string>;

export interface SourceConnector {
  name: string;
  dialect: 'postgres' | 'mssql';
  config: ConnectorConfig;
  /** PostgreSQL: the replication slot the connector holds (drop it after deleting the connector). */
  slotName?: string;
  publicationName?: string;
}

/**
 * Connector settings from the environment (README "Database, topics and connectors"):
 * CDC_CONNECTOR_NAME, CDC_SLOT_NAME, CDC_PUBLICATION_NAME, CDC_DATABASE_URL (the database as
 * Connect reaches it; default DATABASE_URL), CDC_DATABASE_PASSWORD (or _FILE; may be a Connect
 * config provider reference such as ${file:/secrets/db.properties:password}).
 */
export interface ConnectorSettings {
  name?: string;
  slotName?: string;
  publicationName?: string;
  databaseUrl?: string;
  databasePassword?: string;
  /** The brokers' CA file (PEM) on the Connect worker, for the schema-history clients. */
  kafkaCaFile?: string;
}

export function connectorSettingsFromEnv(env: Record<string, string | undefined>): ConnectorSettings {
  return settingsFromConfig(loadConfig(env).cdc);
}

/** The settings of config.cdc (config/config.ts reads CDC_* from the environment). */
export function settingsFromConfig(cdc: Config['cdc'] | undefined): ConnectorSettings {
  return {
    name: cdc?.connectorName,
    slotName: cdc?.slotName,
    publicationName: cdc?.publicationName,
    databaseUrl: cdc?.databaseUrl,
    databasePassword: cdc?.databasePassword,
    kafkaCaFile: cdc?.kafkaCaFile,
  };
}

const JSON_CONVERTERS: ConnectorConfig = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'true',
  'value.converter.decimal.format': 'NUMERIC',
  'key.converter.decimal.format': 'NUMERIC',
  // amounts and rates are float columns already; this covers any numeric column as well
  'decimal.handling.mode': 'double',
  'tombstones.on.delete': 'true',
};

/**
 * What both connectors start alike: their class, one task and the login of the database as
 * Connect reaches it (settings.databaseUrl, else DATABASE_URL; settings.databasePassword,
 * else the URL's), then the URL's port, database and parameters for the dialect's own keys.
 */
function connectorHead(
  connectorClass: string,
  config: Pick<Config, 'database'>,
  settings: ConnectorSettings,
  defaultUser: string,
) {
  const u = new URL(settings.databaseUrl ?? config.database.url);
  const head: ConnectorConfig = {
    'connector.class': connectorClass,
    'tasks.max': '1',
    'database.hostname': u.hostname,
    'database.user': decodeURIComponent(u.username) || defaultUser,
  };
  const pw = settings.databasePassword ?? (u.password ? decodeURIComponent(u.password) : undefined);
  if (pw) head['database.password'] = pw;
  return {
    head,
    port: u.port,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    params: u.searchParams,
  };
}

/** `table.include.list`: the captured tables in the topology's schema. */
const capturedTables = (topology: Topology) => CAPTURED_TABLES.map((t) => `${topology.options.schema}.${t}`).join(',');

/** Debezium PostgreSQL connector: topics `<prefix>cdc.<database>.public.<table>`. */
export function postgresConnector(
  config: Pick<Config, 'database'>,
  topology: Topology,
  settings: ConnectorSettings = {},
): SourceConnector {
  const { head, port, database, params } = connectorHead(
    'io.debezium.connector.postgresql.PostgresConnector',
    config,
    settings,
    'postgres',
  );
  // TLS to the database as libpq names it in the URL, for the connector's own JDBC and
  // replication connections (sslrootcert: the CA file as the Connect worker sees it)
  const tls: ConnectorConfig = {};
  for (const p of ['sslmode', 'sslrootcert'] as const) {
    const v = params.get(p);
    if (v) tls[`database.${p}`] = v;
  }
  const name = settings.name ?? 'cashflow-source-postgres';
  const slotName = settings.slotName ?? 'cashflow_cdc';
  const publicationName = settings.publicationName ?? 'cashflow_cdc';
  const { prefix } = topology.options;
  return {
    name,
    dialect: 'postgres',
    slotName,
    publicationName,
    config: {
      ...head,
      'database.port': port || '5432',
      'database.dbname': database || 'cashflow',
      ...tls,
      'plugin.name': 'pgoutput',
      'slot.name': slotName,
      'publication.name': publicationName,
      'publication.autocreate.mode': 'filtered',
      // The topology and the connector must agree on CDC topic names (docs/interfaces.md): the
      // PostgreSQL connector adds no database part, so the prefix carries it.
      'topic.prefix': `${prefix}cdc.${topology.options.database}`,
      // the heartbeat table too: a change the connector receives and confirms
      'table.include.list': `${capturedTables(topology)},${topology.options.schema}.${CDC_HEARTBEAT_TABLE}`,
      // ~10–100 ms commit-to-topic instead of ~0.5 s with the default 500 (docs/operations.md)
      'poll.interval.ms': '50',
      ...postgresHeartbeat(topology),
      ...JSON_CONVERTERS,
    },
  };
}

/**
 * The slot confirms an LSN only when the connector receives a change of a captured table, and
 * PostgreSQL 15's pgoutput sends nothing for transactions that touch only other tables: while
 * the sink writes results and no source row changes (a full recompute), every byte of WAL stays
 * on disk (24 GB for the 1.6 M book). Every HEARTBEAT_MS the connector rewrites one row of a
 * captured table of its own, which moves the slot (docs/operations.md "The replication slot").
 * Its change events and heartbeats go to topics under the prefix (removed with the
 * environment), created by Connect where the broker does not create topics.
 */
function postgresHeartbeat(topology: Topology): ConnectorConfig {
  const { prefix, schema } = topology.options;
  return {
    'heartbeat.interval.ms': String(HEARTBEAT_MS),
    'heartbeat.action.query': `INSERT INTO ${schema}.${CDC_HEARTBEAT_TABLE} (id, beat_at) VALUES (1, now() AT TIME ZONE 'UTC') ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at`,
    'heartbeat.topics.prefix': `${prefix}cdc-heartbeat`,
    'topic.creation.default.replication.factor': '-1',
    'topic.creation.default.partitions': '1',
    'topic.creation.default.cleanup.policy': 'delete',
    'topic.creation.default.retention.ms': String(DAY_MS),
  };
}

const HEARTBEAT_MS = 10_000;
const DAY_MS = 86_400_000;

/** Debezium SQL Server connector: topics `<prefix>cdc.<database>.dbo.<table>`. */
export function sqlServerConnector(
  config: Pick<Config, 'database' | 'kafka'>,
  topology: Topology,
  settings: ConnectorSettings = {},
): SourceConnector {
  const { head, port, database, params } = connectorHead(
    'io.debezium.connector.sqlserver.SqlServerConnector',
    config,
    settings,
    'sa',
  );
  const name = settings.name ?? 'cashflow-source-sqlserver';
  const { prefix } = topology.options;
  const k = config.kafka;
  const history: ConnectorConfig = {
    'schema.history.internal.kafka.bootstrap.servers': k.bootstrapServers,
    'schema.history.internal.kafka.topic': `${prefix}cashflow.schema-history.${topology.options.database}`,
  };
  // The schema-history clients are the connector's own Kafka clients: without the brokers'
  // security (and the CA of a private broker certificate) the task fails at start.
  const security = javaClientSecurity(k, settings.kafkaCaFile ?? k.sslCaFile);
  for (const side of ['producer', 'consumer'])
    Object.assign(history, prefixed(`schema.history.internal.${side}.`, security));
  return {
    name,
    dialect: 'mssql',
    config: {
      ...head,
      'database.port': port || '1433',
      'database.names': database || 'cashflow',
      // The SQL Server connector adds the database itself: <prefix>cdc.<database>.dbo.<table>.
      'topic.prefix': `${prefix}cdc`,
      'table.include.list': capturedTables(topology),
      'include.schema.changes': 'false',
      'driver.encrypt': params.get('encrypt') === 'false' ? 'false' : 'true',
      'driver.trustServerCertificate': params.get('trustServerCertificate') === 'true' ? 'true' : 'false',
      // The capture job polls every 5 s by default (sys.sp_cdc_change_job @pollinginterval):
      // that, not this, bounds CDC latency on SQL Server.
      'poll.interval.ms': '100',
      // The first snapshot reads under SNAPSHOT isolation (row versions, no shared locks): the
      // default repeatable_read holds shared locks that escalate to table locks and block the
      // writers of contracts for the whole snapshot. Needs ALLOW_SNAPSHOT_ISOLATION ON
      // (`cashflow db migrate` sets it; `cashflow db check` checks it).
      'snapshot.isolation.mode': 'snapshot',
      // datetime2 as org.apache.kafka.connect.data.Timestamp (ms since the epoch, int64): the
      // default adaptive mode sends datetime2(7) as io.debezium.time.NanoTimestamp, whose int64
      // nanoseconds overflow for dates past 2262-04-11 (maturities and horizons go that far).
      // Sub-millisecond digits are dropped; processors/cdc.ts decodes both forms.
      'time.precision.mode': 'connect',
      ...history,
      ...JSON_CONVERTERS,
    },
  };
}

/** The source connector of the configured dialect. */
export function sourceConnector(
  config: Pick<Config, 'database' | 'kafka'> & { cdc?: Config['cdc'] },
  topology: Topology,
  settings: ConnectorSettings = settingsFromConfig(config.cdc),
): SourceConnector {
  return config.database.dialect === 'mssql'
    ? sqlServerConnector(config, topology, settings)
    : postgresConnector(config, topology, settings);
}

/** The config with secrets masked, for printing. */
export function printable(c: ConnectorConfig): ConnectorConfig {
  return Object.fromEntries(
    Object.entries(c).map(([k, v]) => [k, /password|jaas/i.test(k) && !v.startsWith('${') ? '***' : v]),
  );
}
