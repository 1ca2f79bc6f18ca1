// Kafka Connect and the schema registry of their own (the chaos command's; the Connect worker
// also a fault test's, over a broker the shared worker does not reach, such as a SASL_SSL one),
// started from the local stack's artifacts with the stack's own config functions
// (stack/config-files.ts connectProperties, launchSpec) on free ports and in a folder of their
// own, so that they can be SIGKILLed or taken down and started again without touching the
// shared stack.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoFile } from '../../config/repo-file.js';
import { loadConfig, type KafkaConfig, type StackPorts } from '../../config/config.js';
import { connectProperties, launchSpec, log4j2Properties, renderProperties, type RegistryDatabase } from '../config-files.js';
import { checkConnect, checkSchemaRegistry } from '../health.js';
import { stackLayout, type StackLayout } from '../layout.js';
import { freePort } from '../free-port.js';
import { stackVersions } from '../versions.js';
import { PrivateProcess } from './process.js';

/** A private service's process and the URL its clients reach it at. */
export interface PrivateService {
  process: PrivateProcess;
  url: string;
}

/** The layout of the local stack (CASHFLOW_STACK_DIR): where `cashflow stack up` put the artifacts. */
export function sharedStackLayout(): StackLayout {
  return stackLayout(resolve(repoFile(), loadConfig().stack.dir), stackVersions.apicurio);
}

/** The shared stack's artifacts (jars, Connect plugins, the registry's distribution) in a folder of our own. */
export function privateLayout(dir: string, shared: StackLayout): StackLayout {
  return { ...stackLayout(dir, stackVersions.apicurio), lib: shared.lib, plugins: shared.plugins, registryHome: shared.registryHome };
}

/**
 * A Connect worker (distributed mode, its own group and storage topics) on the broker `kafka`
 * reaches, with that broker's security (its SASL login and CA, stack/config-files.ts
 * connectProperties).
 */
export async function privateConnect(dir: string, shared: StackLayout, kafka: KafkaConfig): Promise<PrivateService> {
  const layout = privateLayout(dir, shared);
  const ports: StackPorts = { ...loadConfig().stack.ports, connect: await freePort() };
  mkdirSync(layout.conf, { recursive: true });
  mkdirSync(layout.logs, { recursive: true });
  // the worker's properties may hold a SASL password: readable by their owner only
  writeFileSync(join(layout.conf, 'connect.properties'), renderProperties(connectProperties(ports, layout, kafka)), { mode: 0o600 });
  writeFileSync(join(layout.conf, 'log4j2.properties'), renderProperties(log4j2Properties()));
  const url = `http://127.0.0.1:${ports.connect}`;
  const config = loadConfig({ ...process.env, KAFKA_CONNECT_URL: url });
  const spec = launchSpec('connect', ports, layout, { version: stackVersions.apicurio, database: { host: '', port: 0, database: '', user: '', password: '' } });
  const proc = new PrivateProcess(`the private Connect worker on ${url}`, join(layout.logs, 'connect.log'), () => ({ ...spec, args: ['-Dcashflow.private=connect', ...spec.args] }), async () => (await checkConnect(config)).healthy);
  return { process: proc, url };
}

/** An Apicurio registry storing its schemas in `database` (which must exist): they survive its restarts. */
export async function privateRegistry(dir: string, shared: StackLayout, database: RegistryDatabase): Promise<PrivateService> {
  const layout = privateLayout(dir, shared);
  const ports: StackPorts = { ...loadConfig().stack.ports, schemaRegistry: await freePort(), schemaRegistryManagement: await freePort() };
  mkdirSync(layout.logs, { recursive: true });
  const url = `http://127.0.0.1:${ports.schemaRegistry}/apis/ccompat/v7`;
  const config = loadConfig({ ...process.env, SCHEMA_REGISTRY_URL: url });
  const spec = launchSpec('schema-registry', ports, layout, { version: stackVersions.apicurio, database });
  const proc = new PrivateProcess(`the private schema registry on ${url}`, join(layout.logs, 'schema-registry.log'), () => ({ ...spec, args: ['-Dcashflow.private=schema-registry', ...spec.args] }), async () => (await checkSchemaRegistry(config)).healthy);
  return { process: proc, url };
}
