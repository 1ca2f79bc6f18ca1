// A single-node KRaft broker of its own (a fault test's, `cashflow chaos`'s), started from the local stack's artifacts the way
// `cashflow stack up` starts the shared one (stack/config-files.ts brokerProperties and
// launchSpec, stack/up.ts formatKafkaStorage), on free ports and in a temp folder. Its owner may
// stop it (SIGTERM or SIGKILL) and start it again on the same ports and log dirs: a broker
// restart seen by the clients. The shared stack's broker is never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoFile } from '../../clients/repo-file.js';
import { loadConfig, type StackPorts } from '../../config/config.js';
import { brokerProperties, launchSpec, log4j2Properties, renderProperties } from '../config-files.js';
import { checkKafka } from '../health.js';
import { logTail } from '../processes.js';
import { stackLayout, type StackLayout } from '../layout.js';
import { formatKafkaStorage } from '../up.js';
import { stackVersions } from '../versions.js';
import { freePort } from '../free-port.js';
import { eventually } from './wait.js';

/** The jars of the local stack (`cashflow stack up` fetched them), or undefined when absent. */
export function stackKafkaLib(): string | undefined {
  const lib = stackLayout(resolve(repoFile(), loadConfig().stack.dir), stackVersions.apicurio).lib;
  return existsSync(lib) ? lib : undefined;
}

export class PrivateKafka {
  readonly dir = mkdtempSync(join(tmpdir(), 'cashflow-test-kafka-'));
  readonly layout: StackLayout;
  readonly logFile: string;
  private ports: StackPorts | undefined;
  private child: ChildProcess | undefined;

  constructor(lib: string) {
    // our own conf, data and logs; the shared stack's jars
    this.layout = { ...stackLayout(this.dir, stackVersions.apicurio), lib };
    this.logFile = join(this.dir, 'kafka.log');
  }

  get bootstrapServers(): string {
    if (!this.ports) throw new Error('the private broker was never started');
    return `127.0.0.1:${this.ports.kafka}`;
  }

  /** Starts the broker (the first time: config files and storage format) and waits until it answers. */
  async start(timeoutMs = 120_000): Promise<void> {
    if (!this.ports) {
      const shared = loadConfig().stack.ports;
      this.ports = { ...shared, kafka: await freePort(), kafkaController: await freePort() };
      mkdirSync(this.layout.conf, { recursive: true });
      writeFileSync(join(this.layout.conf, 'server.properties'), renderProperties(brokerProperties(this.ports, this.layout)));
      writeFileSync(join(this.layout.conf, 'log4j2.properties'), renderProperties(log4j2Properties()));
      formatKafkaStorage(this.layout, () => {});
    }
    const spec = launchSpec('kafka', this.ports, this.layout, { version: stackVersions.apicurio, database: { host: '', port: 0, database: '', user: '', password: '' } });
    const out = openSync(this.logFile, 'a');
    try {
      // a marker of our own beside the stack's (so a look at `ps` tells this broker from the shared one)
      this.child = spawn(spec.command, ['-Dcashflow.test.private-broker=true', ...spec.args], { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const child = this.child;
    const config = loadConfig({ ...process.env, KAFKA_BOOTSTRAP_SERVERS: this.bootstrapServers, KAFKA_SECURITY_PROTOCOL: 'plaintext' });
    await eventually(`the private broker on ${this.bootstrapServers}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the private broker exited (${child.exitCode ?? child.signalCode}):\n${this.logTail()}`);
      return (await checkKafka(config)).healthy;
    }, timeoutMs, 200);
  }

  /** Sends `signal` and waits until the process is gone. Returns how long it took to exit. */
  async stop(signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 60_000): Promise<number> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return 0;
    const t0 = Date.now();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), timeoutMs))]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the private broker did not exit within ${timeoutMs} ms of ${signal}:\n${this.logTail()}`);
    }
    this.child = undefined;
    return Date.now() - t0;
  }

  /** Ends the broker (if running) and removes its folder. */
  async remove(): Promise<void> {
    await this.stop('SIGKILL').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(): string {
    return logTail(this.logFile, 20);
  }
}
