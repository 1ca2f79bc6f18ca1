// `cashflow stack up`: fetch what is missing, prepare PostgreSQL, start what does not run yet,
// and wait until every part really answers. A second `up` finds everything healthy and returns.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { overlay, type Config, type StackPorts } from '../config/config.js';
import { ensureArtifacts } from './artifacts.js';
import {
  brokerProperties,
  connectProperties,
  launchSpec,
  log4j2Properties,
  prometheusSettings,
  renderProperties,
  type RegistryDatabase,
} from './config-files.js';
import { prometheusConfig } from './prometheus.js';
import { StackError } from './errors.js';
import { checkComponent, postgresUrl, type ComponentHealth } from './health.js';
import { reportedComponents, stackLayout, wantedProcessComponents, type ProcessComponent, type StackLayout } from './layout.js';
import { conflictMessage, decide, needsKafka, type Action } from './plan.js';
import { preparePostgres, registryDatabase } from './postgres.js';
import { logTail, onPath, ownedPid, recordedPort, startDetached } from './processes.js';
import {
  clientVariables,
  ensureSecureStack,
  readSecureStack,
  scramFormatArgs,
  secureClientKafka,
  type SecureStack,
} from './secure.js';
import { stackVersions } from './versions.js';
import { ensureZipkinJar, zipkinJarName } from './zipkin.js';

export type Log = (line: string) => void;

/**
 * The addresses of the stack's own processes (its ports), whatever the clients are pointed at;
 * a secure stack's broker with the stack's own client user and CA.
 */
export function stackTargets(config: Config, secure?: SecureStack): Config {
  const p = config.stack.ports;
  // overlay, not a spread: a spread would read (and check) every variable, API_PORT included
  return overlay(config, {
    kafka: secure
      ? secureClientKafka(secure, p)
      : overlay(config.kafka, { bootstrapServers: `127.0.0.1:${p.kafka}`, securityProtocol: 'plaintext' }),
    schemaRegistryUrl: `http://127.0.0.1:${p.schemaRegistry}/apis/ccompat/v7`,
    kafkaConnectUrl: `http://127.0.0.1:${p.connect}`,
    redisUrl: `redis://127.0.0.1:${p.redis}`,
  });
}

export function portOf(component: ProcessComponent, ports: StackPorts): number {
  return {
    kafka: ports.kafka,
    'schema-registry': ports.schemaRegistry,
    connect: ports.connect,
    redis: ports.redis,
    prometheus: ports.prometheus,
    zipkin: ports.zipkin,
  }[component];
}

export function registryDatabaseOf(pgUrl: string): RegistryDatabase {
  const u = new URL(pgUrl);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    database: registryDatabase,
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
  };
}

/** How long each part may take to answer after its start (two shared cores: generous). */
const startTimeoutMs: Record<ProcessComponent, number> = {
  kafka: 180_000,
  'schema-registry': 180_000,
  connect: 240_000,
  redis: 30_000,
  prometheus: 60_000,
  zipkin: 120_000,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function writeConfigFiles(layout: StackLayout, config: Config, secure: SecureStack | undefined): void {
  const ports = config.stack.ports;
  mkdirSync(layout.conf, { recursive: true });
  // a secure stack's broker and worker properties hold passwords: readable by their owner only
  const mode = secure ? 0o600 : 0o644;
  writeFileSync(join(layout.conf, 'server.properties'), renderProperties(brokerProperties(ports, layout, secure)), { mode });
  const connectKafka = secure ? secureClientKafka(secure, ports) : undefined;
  writeFileSync(join(layout.conf, 'connect.properties'), renderProperties(connectProperties(ports, layout, connectKafka)), { mode });
  writeFileSync(join(layout.conf, 'log4j2.properties'), renderProperties(log4j2Properties()));
  const prometheus = prometheusSettings(ports, layout, config.stack.monitoring.scrapeIntervalSeconds);
  writeFileSync(prometheus.configFile, prometheusConfig(prometheus));
  mkdirSync(prometheus.targetsDir, { recursive: true });
  mkdirSync(prometheus.dataDir, { recursive: true });
  if (!secure) return;
  writeFileSync(secure.clientEnvFile, renderProperties(clientVariables(secure, ports)), { mode: 0o600 });
  // files written by an earlier plain `up` keep their mode otherwise
  for (const f of ['server.properties', 'connect.properties']) chmodSync(join(layout.conf, f), 0o600);
}

/**
 * A Kafka Uuid: 16 random bytes in URL-safe base64 without padding, never starting with '-'
 * (Kafka's Uuid.randomUuid rejects those too: the storage tool's argument parser reads
 * `-t -abc…` as a missing value; one fresh format in 64 failed that way).
 */
export function kafkaClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Formats KRaft storage once: a broker whose log dir has meta.properties keeps its cluster id.
 * `secure`: the SCRAM users are written with it (stack/secure.ts).
 */
export function formatKafkaStorage(layout: StackLayout, log: Log, secure?: SecureStack): void {
  if (existsSync(join(layout.kafkaData, 'meta.properties'))) return;
  mkdirSync(layout.kafkaData, { recursive: true });
  const clusterId = kafkaClusterId();
  const r = spawnSync(
    'java',
    [
      '-cp',
      join(layout.lib, '*'),
      `-Dlog4j2.configurationFile=${join(layout.conf, 'log4j2.properties')}`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      join(layout.conf, 'server.properties'),
      '--standalone',
      ...(secure ? scramFormatArgs(secure) : []),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new StackError(
      'kafka',
      `formatting the KRaft storage in ${layout.kafkaData} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')}`,
    );
  log(`stack: kafka: formatted KRaft storage (cluster ${clusterId})`);
}

export interface UpResult {
  health: ComponentHealth[];
  started: ProcessComponent[];
  /** Healthy parts this stack did not start: used, never stopped by `down`. */
  external: ProcessComponent[];
  seconds: number;
  downloaded: boolean;
  /** A secure stack (SASL_SSL): its client variables, for the hints. */
  secure?: { clientEnvFile: string; caCert: string };
}

export interface UpOptions {
  /**
   * `--secure`: the broker's client listener is SASL_SSL (stack/secure.ts). A stack folder made
   * secure stays secure without the flag.
   */
  secure?: boolean;
}

export async function stackUp(config: Config, log: Log, options: UpOptions = {}): Promise<UpResult> {
  const t0 = Date.now();
  const ports = config.stack.ports;
  const layout = stackLayout(config.stack.dir, stackVersions.apicurio);
  const secure = options.secure ? ensureSecureStack(layout) : readSecureStack(layout);
  if (secure && !options.secure) log(`stack: secure stack (SASL_SSL, secrets in ${layout.secrets})`);
  const targets = stackTargets(config, secure);
  const pgUrl = postgresUrl(config);
  const tracing = config.stack.monitoring.tracing;
  const processComponents = wantedProcessComponents(config.stack.monitoring.enabled, tracing);
  const spec = (c: ProcessComponent) =>
    launchSpec(c, ports, layout, { version: stackVersions.apicurio, database: registryDatabaseOf(pgUrl) }, config.stack.monitoring);
  const owned = (c: ProcessComponent) => ownedPid(layout.pidFile(c), spec(c).marker);

  // A process of ours started for other ports is not what this configuration asks for.
  for (const c of processComponents) {
    const pid = owned(c);
    const port = recordedPort(layout.pidFile(c));
    if (pid !== undefined && port !== portOf(c, ports)) {
      throw new StackError(
        c,
        `runs on port ${port ?? '?'} (pid ${pid}, from an earlier \`stack up\` with other settings), not on ${portOf(c, ports)}: run \`cashflow stack down\` first`,
      );
    }
  }
  // Look first: when everything already answers, `up` downloads, writes and starts nothing.
  const first = await Promise.all(processComponents.map((c) => checkComponent(c, targets)));
  const actions = new Map<ProcessComponent, Action>(
    processComponents.map((c, i) => [c, decide(first[i]!, owned(c))]),
  );
  const conflicts = processComponents.filter((c) => actions.get(c) === 'conflict');
  if (conflicts.length > 0) {
    throw new StackError(
      conflicts[0]!,
      conflicts
        .map((c) => conflictMessage(first[processComponents.indexOf(c)]!, portOf(c, ports)))
        .join('\n')
        .replace(/^[^:]+: /, ''),
    );
  }
  const toStart = processComponents.filter((c) => actions.get(c) === 'start');

  let downloaded = false;
  if (toStart.includes('prometheus') && !onPath('prometheus'))
    throw new StackError(
      'prometheus',
      'the prometheus binary is not on PATH: install Debian\'s package (apt-get install --no-install-recommends prometheus; scripts/setup.sh does), or start the stack without --monitoring / CASHFLOW_STACK_MONITORING',
    );
  if (toStart.some((c) => c !== 'redis' && c !== 'prometheus' && c !== 'zipkin')) downloaded = await ensureArtifacts(layout, stackVersions, log);
  if (toStart.includes('zipkin') && !existsSync(join(layout.zipkinHome, zipkinJarName()))) {
    await ensureZipkinJar(layout.zipkinHome, log);
    downloaded = true;
  }
  await preparePostgres(pgUrl, log);
  if (toStart.length > 0) {
    writeConfigFiles(layout, config, secure);
    mkdirSync(layout.redisData, { recursive: true });
  }

  const pids = new Map<ProcessComponent, number>();
  for (const c of processComponents) {
    const pid = owned(c);
    if (pid !== undefined) pids.set(c, pid);
  }
  const start = (c: ProcessComponent) => {
    if (c === 'kafka') formatKafkaStorage(layout, log, secure);
    const pid = startDetached(spec(c), layout.pidFile(c), layout.logFile(c), portOf(c, ports));
    pids.set(c, pid);
    log(`stack: ${c}: started (pid ${pid}, log ${layout.logFile(c)})`);
  };
  const waitHealthy = async (c: ProcessComponent): Promise<ComponentHealth> => {
    const deadline = Date.now() + startTimeoutMs[c];
    for (;;) {
      const h = await checkComponent(c, targets);
      if (h.healthy) {
        if (toStart.includes(c)) log(`stack: ${c}: healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return h;
      }
      const pid = pids.get(c);
      if (pid !== undefined && ownedPid(layout.pidFile(c), spec(c).marker) === undefined) {
        throw new StackError(
          c,
          `exited while starting (${h.detail}). Log ${layout.logFile(c)}:\n${logTail(layout.logFile(c))}`,
        );
      }
      if (c === 'connect' && h.answering && h.detail.startsWith('missing plugin')) {
        throw new StackError(
          c,
          `the worker answers but lists no ${h.detail.replace('missing plugin ', '')}: check plugin.path in ${join(layout.conf, 'connect.properties')} (folder ${layout.plugins}) and the log ${layout.logFile(c)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new StackError(
          c,
          `not healthy after ${startTimeoutMs[c] / 1000} s (${h.detail}). Log ${layout.logFile(c)}:\n${logTail(layout.logFile(c))}`,
        );
      }
      await sleep(300);
    }
  };

  // Broker, registry and Redis start side by side; Connect needs the broker first.
  for (const c of toStart) if (!needsKafka[c]) start(c);
  const ready = new Map<ProcessComponent, Promise<ComponentHealth>>();
  for (const c of processComponents) if (!needsKafka[c]) ready.set(c, waitHealthy(c));
  ready.get('schema-registry')?.catch(() => undefined);
  ready.get('redis')?.catch(() => undefined);
  await ready.get('kafka');
  for (const c of toStart) if (needsKafka[c]) start(c);
  for (const c of processComponents) if (needsKafka[c]) ready.set(c, waitHealthy(c));
  await Promise.all(ready.values());
  await ensureGlobalCompatibility(targets.schemaRegistryUrl);

  // A secure broker checked as the clients are configured; before they are (the first
  // `up --secure` has just written their variables), with the stack's own client user.
  const asConfigured = secure && config.kafka.securityProtocol === 'plaintext' ? overlay(config, { kafka: targets.kafka }) : config;
  const health = await Promise.all(
    reportedComponents(config.stack.monitoring.enabled, tracing).map((c) => checkComponent(c, asConfigured)),
  );
  const external = processComponents.filter((c) => actions.get(c) === 'external');
  return {
    health,
    started: toStart,
    external,
    seconds: (Date.now() - t0) / 1000,
    downloaded,
    ...(secure ? { secure: { clientEnvFile: secure.clientEnvFile, caCert: secure.certificates.caCert } } : {}),
  };
}

/** All our subjects are BACKWARD compatible (docs/operations.md); set as the registry's global level. */
async function ensureGlobalCompatibility(registryUrl: string): Promise<void> {
  const res = await fetch(`${registryUrl}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok)
    throw new StackError(
      'schema-registry',
      `PUT /config (global BACKWARD compatibility) answered HTTP ${res.status}: ${await res.text()}`,
    );
}
