// How every process reaches the brokers (KAFKA_*): bootstrap servers and security. The Java
// clients' form of the same settings is config/kafka-java-properties.ts.
import { lazyFields } from './lazy.js';
import type { StackPorts } from './stack.js';
import { hostPorts, oneOf, secret, text, type FieldOf } from './variables.js';

export type KafkaSecurityProtocol = 'plaintext' | 'ssl' | 'sasl_plaintext' | 'sasl_ssl';

export interface KafkaConfig {
  bootstrapServers: string;
  securityProtocol: KafkaSecurityProtocol;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
  sslCaFile?: string;
}

const securityProtocols = ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'] as const;
const saslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI'];

/** The KAFKA_* variables; the brokers default to the stack's (STACK_KAFKA_PORT). */
export function kafkaFields(field: FieldOf, ports: StackPorts): KafkaConfig {
  return lazyFields<KafkaConfig>({
    bootstrapServers: field((v) =>
      hostPorts(v, 'KAFKA_BOOTSTRAP_SERVERS', () => `127.0.0.1:${ports.kafka}`, 'STACK_KAFKA_PORT'),
    ),
    securityProtocol: field((v) => {
      const protocol = oneOf(v, 'KAFKA_SECURITY_PROTOCOL', securityProtocols, 'plaintext');
      if (!protocol.startsWith('sasl')) return protocol;
      // The usual mechanisms need a user and a password; OAUTHBEARER and GSSAPI take theirs elsewhere.
      const mechanism = v.read('KAFKA_SASL_MECHANISM', { fallback: 'PLAIN' })!;
      if (/^(OAUTHBEARER|GSSAPI)$/i.test(mechanism)) return protocol;
      for (const needed of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'])
        if (v.read(needed, { secret: needed.endsWith('PASSWORD') }) === undefined)
          v.problem(needed, `required with KAFKA_SECURITY_PROTOCOL=${protocol} and KAFKA_SASL_MECHANISM=${mechanism.toUpperCase()}`);
      return protocol;
    }),
    saslMechanism: field((v) => {
      const raw = text(v, 'KAFKA_SASL_MECHANISM');
      if (raw !== undefined && !saslMechanisms.includes(raw.toUpperCase()))
        v.problem('KAFKA_SASL_MECHANISM', `expected one of ${saslMechanisms.join(', ')}, got "${raw.slice(0, 40)}"`);
      return raw;
    }),
    saslUsername: field((v) => text(v, 'KAFKA_SASL_USERNAME')),
    saslPassword: field((v) => secret(v, 'KAFKA_SASL_PASSWORD')),
    sslCaFile: field((v) => text(v, 'KAFKA_SSL_CA_FILE')),
  });
}
