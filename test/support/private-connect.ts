// A Kafka Connect worker of one test's own, on a free port, in a temp folder, over a private
// broker (test/support/private-kafka.ts): started from the local stack's jars and Debezium
// plugins with the stack's own properties and command line (stack/config-files.ts
// connectProperties and launchSpec), so that a test can run CDC over a broker the shared
// worker does not reach (a SASL_SSL one). The shared stack's worker is never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoFile } from '../../clients/repo-file.js';
import { loadConfig, type KafkaConfig } from '../../config/config.js';
import { connectProperties, launchSpec, log4j2Properties, renderProperties } from '../../stack/config-files.js';
import { freePort } from '../../stack/free-port.js';
import { checkConnect } from '../../stack/health.js';
import { stackLayout, type StackLayout } from '../../stack/layout.js';
import { logTail } from '../../stack/processes.js';
import { stackVersions } from '../../stack/versions.js';
import { killChild } from './child-process.js';
import { eventually } from './pipeline-env.js';

export class PrivateConnect {
  readonly dir = mkdtempSync(join(tmpdir(), 'cashflow-test-connect-'));
  readonly layout: StackLayout;
  readonly logFile = join(this.dir, 'connect.log');
  private child: ChildProcess | undefined;
  port = 0;

  /** `kafka`: how the worker reaches its broker (with that broker's security). */
  constructor(private readonly kafka: KafkaConfig) {
    const shared = stackLayout(resolve(repoFile(), loadConfig().stack.dir), stackVersions.apicurio);
    // our own conf and logs; the shared stack's jars and plugins
    this.layout = { ...stackLayout(this.dir, stackVersions.apicurio), lib: shared.lib, plugins: shared.plugins };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the worker and waits until its REST API lists the Debezium plugins. */
  async start(timeoutMs = 240_000): Promise<void> {
    const ports = { ...loadConfig().stack.ports, connect: (this.port = await freePort()) };
    mkdirSync(this.layout.conf, { recursive: true });
    // the worker's properties hold the SCRAM password: readable by their owner only
    writeFileSync(join(this.layout.conf, 'connect.properties'), renderProperties(connectProperties(ports, this.layout, this.kafka)), { mode: 0o600 });
    writeFileSync(join(this.layout.conf, 'log4j2.properties'), renderProperties(log4j2Properties()));
    const spec = launchSpec('connect', ports, this.layout, { version: stackVersions.apicurio, database: { host: '', port: 0, database: '', user: '', password: '' } });
    const out = openSync(this.logFile, 'a');
    try {
      this.child = spawn(spec.command, ['-Dcashflow.test.private-connect=true', ...spec.args], { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const child = this.child;
    const config = loadConfig({ ...process.env, KAFKA_CONNECT_URL: this.url });
    await eventually(`the private Connect worker on ${this.url}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the private Connect worker exited (${child.exitCode ?? child.signalCode}):\n${this.logTail()}`);
      return (await checkConnect(config)).healthy;
    }, timeoutMs, 500);
  }

  /** Ends the worker (if running) and removes its folder. */
  async remove(): Promise<void> {
    await killChild(this.child);
    this.child = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(): string {
    return logTail(this.logFile, 20);
  }
}
