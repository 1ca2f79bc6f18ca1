// The configuration files and command lines of the stack's processes: pure functions of the
// ports and the folder layout, so they can be checked without starting anything.
import { join } from 'node:path';
import type { KafkaConfig, StackPorts } from '../config/config.js';
import { jaasConfig, javaClientSecurity, prefixed } from '../config/kafka-java-properties.js';
import { repoFile } from '../config/repo-file.js';
import type { ProcessComponent, StackLayout } from './layout.js';
import { zipkinArgs, zipkinJarName, zipkinMarker } from './zipkin.js';
import { prometheusArgs, prometheusMarker, type PrometheusSettings } from './prometheus.js';
import { SCRAM_MECHANISM, type SecureStack } from './secure.js';

export type Properties = Record<string, string | number | boolean>;

export function renderProperties(p: Properties): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n')
    .concat('\n');
}

/**
 * Single-node KRaft broker with combined roles (docs/operations.md). With
 * `secure`, the one client listener is SASL_SSL (SCRAM-SHA-512 over TLS) and the broker talks to
 * itself over it as well; the controller listener stays PLAINTEXT on 127.0.0.1: KRaft keeps the
 * SCRAM credentials in the metadata log that the controller serves, so the controller cannot
 * authenticate with them (KIP-900), and it is reachable from this machine only.
 */
export function brokerProperties(ports: StackPorts, layout: StackLayout, secure?: SecureStack): Properties {
  const client = secure ? 'SASL_SSL' : 'PLAINTEXT';
  const listeners = `${client}://127.0.0.1:${ports.kafka},CONTROLLER://127.0.0.1:${ports.kafkaController}`;
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // `format --standalone` wants the bootstrap servers form, not controller.quorum.voters.
    'controller.quorum.bootstrap.servers': `127.0.0.1:${ports.kafkaController}`,
    listeners,
    'advertised.listeners': listeners,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': client,
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,${client}:${client}`,
    ...(secure ? secureBrokerProperties(secure) : {}),
    'log.dirs': layout.kafkaData,
    'num.partitions': 1,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // One node: fewer partitions of the internal topics make the first start seconds faster.
    'offsets.topic.num.partitions': 10,
    'auto.create.topics.enable': true,
  };
}

/** SCRAM-SHA-512 and TLS of the SASL_SSL listener (Kafka docs, "Authentication using SASL/SCRAM"). */
function secureBrokerProperties(secure: SecureStack): Properties {
  return {
    'sasl.enabled.mechanisms': SCRAM_MECHANISM,
    'sasl.mechanism.inter.broker.protocol': SCRAM_MECHANISM,
    [`listener.name.sasl_ssl.${SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config`]: jaasConfig(
      SCRAM_MECHANISM,
      secure.broker.username,
      secure.broker.password,
    ),
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': secure.keystore,
    'ssl.keystore.password': secure.keystorePassword,
    // the broker's own inter-broker client checks the certificate like any client
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': secure.certificates.caCert,
    'ssl.client.auth': 'none',
  };
}

/**
 * Connect in distributed mode; CDC topics are JSON (docs/operations.md).
 * `kafka`: how the worker reaches a secured broker; the worker's own clients and those it makes
 * for its connectors' tasks (producer., consumer., admin.) each take the settings.
 */
export function connectProperties(ports: StackPorts, layout: StackLayout, kafka?: KafkaConfig): Properties {
  const security = kafka ? javaClientSecurity(kafka) : {};
  return {
    'bootstrap.servers': kafka?.bootstrapServers ?? `127.0.0.1:${ports.kafka}`,
    ...security,
    ...prefixed('producer.', security),
    ...prefixed('consumer.', security),
    ...prefixed('admin.', security),
    'group.id': 'cashflow-connect',
    listeners: `http://127.0.0.1:${ports.connect}`,
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': ports.connect,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': false,
    'value.converter.schemas.enable': false,
    'config.storage.topic': 'cashflow-connect-configs',
    'offset.storage.topic': 'cashflow-connect-offsets',
    'status.storage.topic': 'cashflow-connect-status',
    'config.storage.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'status.storage.replication.factor': 1,
    'offset.storage.partitions': 5,
    'status.storage.partitions': 1,
    'offset.flush.interval.ms': 1000,
    'plugin.path': layout.plugins,
    // ServiceLoader discovery: REST answers in ~3.5 s instead of ~18 s with the reflective scan.
    'plugin.discovery': 'service_load',
  };
}

/** Log4j 2 for the broker and Connect: everything to stdout, which the stack sends to the log file. */
export function log4j2Properties(): Properties {
  return {
    status: 'warn',
    'appender.console.type': 'Console',
    'appender.console.name': 'STDOUT',
    'appender.console.layout.type': 'PatternLayout',
    'appender.console.layout.pattern': '[%d] %p %m (%c)%n',
    'rootLogger.level': 'INFO',
    'rootLogger.appenderRef.stdout.ref': 'STDOUT',
    'logger.kafka.name': 'kafka',
    'logger.kafka.level': 'INFO',
    'logger.reflections.name': 'org.reflections',
    'logger.reflections.level': 'ERROR',
  };
}

export interface RegistryDatabase {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** A word of the process's command line that proves a pid is still ours. */
  marker: string;
}

/** The `-D` flag that marks our JVMs, so `down` never signals a process that reused a pid. */
export const jvmMarker = (c: ProcessComponent) => `-Dcashflow.stack.component=${c}`;

export function launchSpec(
  component: ProcessComponent,
  ports: StackPorts,
  layout: StackLayout,
  registry: { version: string; database: RegistryDatabase },
  monitoring: { scrapeIntervalSeconds: number } = { scrapeIntervalSeconds: 15 },
): LaunchSpec {
  const log4j = `-Dlog4j2.configurationFile=${join(layout.conf, 'log4j2.properties')}`;
  // A quoted classpath wildcard: no shell is involved, Java expands it itself.
  const classpath = join(layout.lib, '*');
  switch (component) {
    case 'kafka':
      return {
        command: 'java',
        args: [
          jvmMarker(component),
          '-Xms256m',
          '-Xmx512m',
          log4j,
          '-cp',
          classpath,
          'kafka.Kafka',
          join(layout.conf, 'server.properties'),
        ],
        cwd: layout.root,
        env: {},
        marker: jvmMarker(component),
      };
    case 'connect':
      return {
        command: 'java',
        args: [
          jvmMarker(component),
          '-Xmx512m',
          log4j,
          '-cp',
          classpath,
          'org.apache.kafka.connect.cli.ConnectDistributed',
          join(layout.conf, 'connect.properties'),
        ],
        cwd: layout.root,
        env: {},
        marker: jvmMarker(component),
      };
    case 'schema-registry': {
      const db = registry.database;
      return {
        command: 'java',
        args: [
          jvmMarker(component),
          '-Xmx384m',
          // Light traffic: the client compiler and one GC thread start it faster on a shared machine.
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          '-Dquarkus.http.host=127.0.0.1',
          `-Dquarkus.http.port=${ports.schemaRegistry}`,
          // The management interface (health, metrics) is on by default and takes a port of its own.
          '-Dquarkus.management.host=127.0.0.1',
          `-Dquarkus.management.port=${ports.schemaRegistryManagement}`,
          '-jar',
          `apicurio-registry-app-${registry.version}-runner.jar`,
        ],
        cwd: layout.registryHome,
        // The default in-memory storage loses every schema id on a restart: persist in PostgreSQL.
        env: {
          APICURIO_STORAGE_KIND: 'sql',
          APICURIO_STORAGE_SQL_KIND: 'postgresql',
          APICURIO_DATASOURCE_URL: `jdbc:postgresql://${db.host}:${db.port}/${db.database}`,
          APICURIO_DATASOURCE_USERNAME: db.user,
          APICURIO_DATASOURCE_PASSWORD: db.password || 'unused-under-trust-auth',
        },
        marker: jvmMarker(component),
      };
    }
    case 'prometheus': {
      const settings = prometheusSettings(ports, layout, monitoring.scrapeIntervalSeconds);
      return {
        command: 'prometheus',
        args: prometheusArgs(settings),
        cwd: layout.root,
        env: {},
        marker: prometheusMarker(settings.configFile),
      };
    }
    case 'zipkin':
      return {
        command: 'java',
        args: zipkinArgs(join(layout.zipkinHome, zipkinJarName()), ports.zipkin),
        cwd: layout.root,
        env: {},
        marker: zipkinMarker,
      };
    case 'redis':
      return {
        command: 'redis-server',
        args: [
          '--bind',
          '127.0.0.1',
          '--port',
          String(ports.redis),
          '--dir',
          layout.redisData,
          '--daemonize',
          'no',
        ],
        cwd: layout.root,
        env: {},
        marker: 'redis-server',
      };
  }
}

/** The stack's Prometheus: its files in the stack folder, the alert rules from the repository. */
export function prometheusSettings(ports: StackPorts, layout: StackLayout, scrapeIntervalSeconds: number): PrometheusSettings {
  return {
    port: ports.prometheus,
    scrapeIntervalSeconds,
    targetsDir: layout.prometheusTargets,
    dataDir: layout.prometheusData,
    configFile: join(layout.conf, 'prometheus.yml'),
    rulesFiles: [repoFile('ops', 'prometheus', 'alerts.yml')],
  };
}
