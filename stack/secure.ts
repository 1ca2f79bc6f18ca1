// The secure local stack (`cashflow stack up --secure`): the broker's client listener speaks
// SASL_SSL (SCRAM-SHA-512 over TLS) with a certificate of a CA made at the first secure start,
// and SCRAM users written into the KRaft storage when it is formatted. Everything lives in the
// stack folder's `secrets/` (mode 0700): its presence is what makes a stack folder secure, so
// every later `stack up`, `status` and `down` on that folder keeps the mode without the flag.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaConfig, StackPorts } from '../config/config.js';
import { ensureCertificates, ensurePkcs12, type CertificateFiles } from './certificates.js';
import { StackError } from './errors.js';
import type { StackLayout } from './layout.js';

export const SCRAM_MECHANISM = 'SCRAM-SHA-512';

export interface ScramUser {
  username: string;
  password: string;
}

export interface SecureStack {
  certificates: CertificateFiles;
  /** PKCS#12 key store of the broker's key and certificate chain. */
  keystore: string;
  keystorePassword: string;
  /** The broker's own user, for the inter-broker connections on the SASL_SSL listener. */
  broker: ScramUser;
  /** The user of the pipeline's processes, the API, the CLI and the Connect worker. */
  client: ScramUser & { passwordFile: string };
  /** The client variables (KAFKA_*), ready to be sourced by a shell (written by `stack up`). */
  clientEnvFile: string;
}

const BROKER_USER = 'cashflow-broker';
const CLIENT_USER = 'cashflow';

const passwordFile = (layout: StackLayout, name: string) => join(layout.secrets, `${name}.password`);

/** The client variables of a secure stack folder, as a file a shell can source. */
export const clientEnvFile = (layout: StackLayout) => join(layout.secrets, 'client.env');

/** Whether this stack folder was made secure (its secrets exist). */
export function isSecureStack(layout: StackLayout): boolean {
  return existsSync(passwordFile(layout, 'client'));
}

/** A password made once and kept in the secrets folder (hex: safe inside JAAS and SCRAM quoting). */
function keptPassword(file: string): string {
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/**
 * The secure stack's secrets in `layout.secrets`, made where missing: CA and broker
 * certificate, key store, and the passwords of the broker's and the clients' SCRAM users.
 * A stack whose KRaft storage was formatted without them cannot be made secure in place: the
 * SCRAM users are written at format time.
 */
export function ensureSecureStack(layout: StackLayout): SecureStack {
  if (!isSecureStack(layout) && existsSync(join(layout.kafkaData, 'meta.properties')))
    throw new StackError(
      'kafka',
      `the broker's storage in ${layout.kafkaData} was formatted without --secure (no SCRAM users): run \`cashflow stack down\` and use another CASHFLOW_STACK_DIR for the secure stack, or remove ${layout.kafkaData}`,
    );
  mkdirSync(layout.secrets, { recursive: true, mode: 0o700 });
  chmodSync(layout.secrets, 0o700);
  const certificates = ensureCertificates(layout.secrets);
  const keystorePassword = keptPassword(passwordFile(layout, 'keystore'));
  const keystore = join(layout.secrets, 'broker.p12');
  ensurePkcs12(certificates, keystore, passwordFile(layout, 'keystore'));
  const secure: SecureStack = {
    certificates,
    keystore,
    keystorePassword,
    broker: { username: BROKER_USER, password: keptPassword(passwordFile(layout, 'broker')) },
    client: {
      username: CLIENT_USER,
      password: keptPassword(passwordFile(layout, 'client')),
      passwordFile: passwordFile(layout, 'client'),
    },
    clientEnvFile: clientEnvFile(layout),
  };
  return secure;
}

/** The secrets of a stack folder made secure earlier, or undefined. */
export function readSecureStack(layout: StackLayout): SecureStack | undefined {
  return isSecureStack(layout) ? ensureSecureStack(layout) : undefined;
}

/** `kafka-storage format` arguments that create the SCRAM users (KRaft: no ZooKeeper to hold them). */
export function scramFormatArgs(secure: SecureStack): string[] {
  return [secure.broker, secure.client].flatMap((u) => [
    '--add-scram',
    `${SCRAM_MECHANISM}=[name=${u.username},password=${u.password}]`,
  ]);
}

/** How the stack's own clients reach the secure broker. */
export function secureClientKafka(secure: SecureStack, ports: StackPorts): KafkaConfig {
  return {
    bootstrapServers: `127.0.0.1:${ports.kafka}`,
    securityProtocol: 'sasl_ssl',
    saslMechanism: SCRAM_MECHANISM,
    saslUsername: secure.client.username,
    saslPassword: secure.client.password,
    sslCaFile: secure.certificates.caCert,
  };
}

/** The variables of config/config.ts that point a process at the secure stack (the password by file). */
export function clientVariables(secure: SecureStack, ports: StackPorts): Record<string, string> {
  const k = secureClientKafka(secure, ports);
  return {
    KAFKA_BOOTSTRAP_SERVERS: k.bootstrapServers,
    KAFKA_SECURITY_PROTOCOL: k.securityProtocol,
    KAFKA_SASL_MECHANISM: SCRAM_MECHANISM,
    KAFKA_SASL_USERNAME: secure.client.username,
    KAFKA_SASL_PASSWORD_FILE: secure.client.passwordFile,
    KAFKA_SSL_CA_FILE: secure.certificates.caCert,
  };
}
