// The Kafka security of the one configuration as Java client properties: for the JVM clients
// this project configures (the Connect worker and its tasks' producers, consumers and admin
// clients; Debezium's schema-history clients). The Node clients get the same settings as
// librdkafka properties (clients/kafka.ts librdkafkaConnection).
import type { KafkaConfig } from './kafka.js';

export type JavaClientProperties = Record<string, string>;

/** The JAAS login module of a SASL mechanism (Kafka docs, "Authentication using SASL"). */
export function jaasLoginModule(mechanism: string): string {
  return /^SCRAM/i.test(mechanism)
    ? 'org.apache.kafka.common.security.scram.ScramLoginModule'
    : 'org.apache.kafka.common.security.plain.PlainLoginModule';
}

/** A `sasl.jaas.config` value; the password is quoted as JAAS reads it (no escapes: no `"` allowed). */
export function jaasConfig(mechanism: string, username: string, password: string): string {
  return `${jaasLoginModule(mechanism)} required username="${username}" password="${password}";`;
}

/**
 * `security.protocol`, `sasl.*` and the trust store of a Java client reaching the brokers of `k`;
 * nothing for PLAINTEXT. `caFile` is the brokers' CA (PEM) as that client's host sees it.
 */
export function javaClientSecurity(k: KafkaConfig, caFile = k.sslCaFile): JavaClientProperties {
  if (k.securityProtocol === 'plaintext') return {};
  const props: JavaClientProperties = { 'security.protocol': k.securityProtocol.toUpperCase() };
  if (k.securityProtocol.startsWith('sasl')) {
    if (k.saslMechanism) props['sasl.mechanism'] = k.saslMechanism.toUpperCase();
    if (k.saslUsername && k.saslPassword)
      props['sasl.jaas.config'] = jaasConfig(k.saslMechanism ?? 'PLAIN', k.saslUsername, k.saslPassword);
  }
  // Without the CA of a private broker certificate the handshake fails (the JVM's default trust
  // store holds public CAs only); Kafka reads a PEM trust store without a password.
  if (caFile && k.securityProtocol.endsWith('ssl')) {
    props['ssl.truststore.type'] = 'PEM';
    props['ssl.truststore.location'] = caFile;
  }
  return props;
}

/** `props` with every key under `prefix` (`producer.`, `schema.history.internal.consumer.`, …). */
export function prefixed(prefix: string, props: JavaClientProperties): JavaClientProperties {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [`${prefix}${k}`, v]));
}
