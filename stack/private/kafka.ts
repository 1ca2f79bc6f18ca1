// A single-node KRaft broker of its own (a fault test's, `cashflow chaos`'s), started from the local stack's artifacts the way
// `cashflow stack up` starts the shared one (stack/config-files.ts brokerProperties and
// launchSpec, stack/up.ts formatKafkaStorage), on free ports and in a temp folder. Its owner may
// stop it (SIGTERM or SIGKILL) and start it again on the same ports and log dirs: a broker
// restart seen by the clients. The shared stack's broker is never touched.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type KafkaConfig, type StackPorts } from '../../config/config.js';
import { brokerProperties, launchSpec, log4j2Properties, renderProperties } from '../config-files.js';
import { checkKafka } from '../health.js';
import { stackLayout, type StackLayout } from '../layout.js';
import { clientVariables, ensureSecureStack, type SecureStack } from '../secure.js';
import { formatKafkaStorage } from '../up.js';
import { stackVersions } from '../versions.js';
import { freePort } from '../free-port.js';
import { PrivateProcess } from './process.js';
import { sharedStackLayout } from './services.js';

/** The jars of the local stack (`cashflow stack up` fetched them), or undefined when absent. */
export function stackKafkaLib(): string | undefined {
  const lib = sharedStackLayout().lib;
  return existsSync(lib) ? lib : undefined;
}

export class PrivateKafka {
  readonly dir = mkdtempSync(join(tmpdir(), 'cashflow-test-kafka-'));
  readonly layout: StackLayout;
  readonly logFile: string;
  private ports: StackPorts | undefined;
  private process: PrivateProcess | undefined;
  /** With `secure: true`: the CA, key store and SCRAM users of a SASL_SSL broker (stack/secure.ts). */
  readonly secure: SecureStack | undefined;

  constructor(lib: string, options: { secure?: boolean } = {}) {
    // our own conf, data and logs; the shared stack's jars
    this.layout = { ...stackLayout(this.dir, stackVersions.apicurio), lib };
    this.logFile = join(this.dir, 'kafka.log');
    this.secure = options.secure ? ensureSecureStack(this.layout) : undefined;
  }

  get bootstrapServers(): string {
    if (!this.ports) throw new Error('the private broker was never started');
    return `127.0.0.1:${this.ports.kafka}`;
  }

  /** The variables of config/config.ts that reach this broker (its client user's, when secure). */
  clientEnv(): Record<string, string> {
    if (!this.ports) throw new Error('the private broker was never started');
    return this.secure
      ? clientVariables(this.secure, this.ports)
      : { KAFKA_BOOTSTRAP_SERVERS: this.bootstrapServers, KAFKA_SECURITY_PROTOCOL: 'plaintext' };
  }

  /** How the stack's own clients reach this broker. */
  clientKafka(): KafkaConfig {
    return loadConfig({ ...process.env, ...this.clientEnv() }).kafka;
  }

  /** Starts the broker (the first time: config files and storage format) and waits until it answers. */
  async start(timeoutMs = 120_000): Promise<void> {
    if (!this.ports) {
      const shared = loadConfig().stack.ports;
      const ports = (this.ports = { ...shared, kafka: await freePort(), kafkaController: await freePort() });
      mkdirSync(this.layout.conf, { recursive: true });
      writeFileSync(join(this.layout.conf, 'server.properties'), renderProperties(brokerProperties(ports, this.layout, this.secure)), { mode: 0o600 });
      writeFileSync(join(this.layout.conf, 'log4j2.properties'), renderProperties(log4j2Properties()));
      formatKafkaStorage(this.layout, () => {}, this.secure);
      const spec = launchSpec('kafka', ports, this.layout, { version: stackVersions.apicurio, database: { host: '', port: 0, database: '', user: '', password: '' } });
      const config = loadConfig({ ...process.env, ...this.clientEnv() });
      this.process = new PrivateProcess(
        `the private broker on ${this.bootstrapServers}`,
        this.logFile,
        // a marker of our own beside the stack's (so a look at `ps` tells this broker from the shared one)
        () => ({ ...spec, args: ['-Dcashflow.test.private-broker=true', ...spec.args] }),
        async () => (await checkKafka(config)).healthy,
      );
    }
    await this.process!.start(timeoutMs);
  }

  /** Sends `signal` and waits until the process is gone. Returns how long it took to exit. */
  async stop(signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 60_000): Promise<number> {
    return this.process ? this.process.stop(signal, timeoutMs) : 0;
  }

  /** Ends the broker (if running) and removes its folder. */
  async remove(): Promise<void> {
    await this.stop('SIGKILL').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(): string {
    return this.process?.logTail() ?? '';
  }
}
