import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createConnectClient } from '../clients/connect.js';
import { registerSchemas } from '../clients/schema-registry.js';
import type { Config } from '../config/config.js';
import { repoFile } from '../config/repo-file.js';
import { sourceConnector } from '../connectors/debezium.js';
import { createDatabase } from '../db/open.js';
import { withClients } from '../dependencies/scope.js';
import { targetsDir, unregisterTarget } from '../monitoring/targets.js';
import { StackError } from '../stack/errors.js';
import { isAlive, logTail, ownedPid, recordedPort, removePidFile, startDetached, stopProcess } from '../stack/processes.js';
import { stackUp } from '../stack/up.js';
import { topologyFromConfig, type ProcessorName } from '../topology/topology.js';
import { PlatformError } from './errors.js';
import { applyTopics } from './topics.js';

// What `cashflow start` runs (cli/commands/start.ts is its command line): stack up, db migrate, topics apply, schemas apply, connectors apply, then
// every processor as a detached `cashflow run <processor>` (one process each, so the calculator
// and the sink use both cores), with pid and log files in the stack folder. Idempotent: a
// processor that already runs is left alone, so a second start is a no-op. `cashflow stop`
// stops exactly these processes (stack/processes.ts recognises them by pid file + command line).

// positions-ingest comes last so that the processes before it keep their metrics ports.
export const PROCESSORS: readonly ProcessorName[] = ['contract-ingest', 'market-ingest', 'impact', 'calculator', 'sink', 'job-worker', 'verifier', 'positions-ingest'];

/** First port of the processors' /metrics, /healthz, /readyz (one port per process, in PROCESSORS order). */
export const DEFAULT_METRICS_BASE_PORT = 9400;

export type Say = (line: string) => void;

export interface ProcessorProcess {
  name: ProcessorName;
  /** The process's id: its pid and log file names, its `process` label in Prometheus. */
  id: string;
  instance: number;
  pidFile: string;
  logFile: string;
  marker: string;
  metricsPort: number;
}

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

/** The processes `cashflow start` runs for this configuration (topic prefix included in the names). */
export async function processorProcesses(config: Config, options: { calculators?: number; basePort?: number } = {}): Promise<ProcessorProcess[]> {
  const prefix = topologyFromConfig(config).options.prefix;
  const root = resolve(config.stack.dir);
  const base = options.basePort ?? config.pipeline?.metricsBasePort ?? DEFAULT_METRICS_BASE_PORT;
  const out: ProcessorProcess[] = [];
  let port = base;
  for (const name of PROCESSORS) {
    const instances = name === 'calculator' ? Math.max(1, options.calculators ?? 1) : 1;
    for (let instance = 0; instance < instances; instance++) {
      const id = sanitize(`${prefix}${name}${instances > 1 ? `-${instance + 1}` : ''}`);
      out.push({
        name,
        id,
        instance,
        pidFile: join(root, 'run', `processor-${id}.pid`),
        logFile: join(root, 'logs', `processor-${id}.log`),
        // node --title puts this in /proc/<pid>/cmdline, where stack/processes.ts ownedPid looks
        marker: `cashflow-processor:${id}`,
        metricsPort: port++,
      });
    }
  }
  return out;
}

/**
 * Everything before the processors: stack up, db migrate, topics apply, schemas apply,
 * connectors apply (waiting until the connector runs). Each step is idempotent.
 */
export async function preparePlatform(config: Config, say: Say): Promise<void> {
  const step = async <T>(label: string, work: () => Promise<T>, detail: (r: T) => string): Promise<T> => {
    const t0 = Date.now();
    const r = await work();
    say(`${label.padEnd(18)} ${detail(r)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return r;
  };
  const quiet: Say = (line) => process.stderr.write(`  ${line}\n`);
  await step(
    'stack up',
    async () => {
      try {
        return await stackUp(config, quiet);
      } catch (e) {
        if (e instanceof StackError) throw new PlatformError(e.message);
        throw e;
      }
    },
    (r) => {
      const bad = r.health.filter((h) => !h.healthy);
      if (bad.length) throw new PlatformError(`stack not healthy: ${bad.map((h) => `${h.component} (${h.detail})`).join(', ')}`);
      return r.started.length ? `started ${r.started.join(', ')}` : 'already running';
    },
  );
  await step(
    'db migrate',
    async () => {
      const database = await createDatabase(config);
      try {
        return await database.migrate({ publication: config.cdc.publicationName });
      } finally {
        await database.close();
      }
    },
    (o) => {
      for (const w of o.warnings) process.stderr.write(`warning: ${w}\n`);
      return `${o.database}${o.createdDatabase ? ' (created)' : ''}: ${o.applied.length ? o.applied.join(', ') : 'up to date'}`;
    },
  );
  const topology = topologyFromConfig(config);
  await step(
    'topics apply',
    () => withClients(config, async (clients) => applyTopics(await clients.admin(), topology, config)),
    (r) => {
      const created = r.filter((o) => o.action !== 'exists').length;
      return created ? `${created} created or changed, ${r.length - created} existed` : `${r.length} topics exist`;
    },
  );
  await step('schemas apply', () => registerSchemas(config, topology), (r) => `${r.length} subjects registered`);
  const connector = sourceConnector(config, topology);
  const connect = createConnectClient(config);
  await step(
    'connectors apply',
    async () => {
      const created = await connect.putConnectorConfig(connector.name, connector.config);
      await connect.waitForRunning(connector.name, 120_000);
      return created;
    },
    (created) => `${connector.name} ${created ? 'created' : 'exists'}, running`,
  );
}

export interface StartOutcome {
  started: ProcessorProcess[];
  alreadyRunning: ProcessorProcess[];
}

/** Starts every processor process that does not run yet; waits until each answers /healthz. */
export async function startProcessors(
  config: Config,
  options: { calculators?: number; basePort?: number; only?: readonly ProcessorName[]; extraEnv?: Record<string, string> } = {},
): Promise<StartOutcome> {
  const procs = (await processorProcesses(config, options)).filter((p) => !options.only || options.only.includes(p.name));
  const started: ProcessorProcess[] = [];
  const alreadyRunning: ProcessorProcess[] = [];
  const pids = new Map<ProcessorProcess, number>();
  for (const p of procs) {
    if (ownedPid(p.pidFile, p.marker) !== undefined) {
      alreadyRunning.push(p);
      continue;
    }
    const pid = startDetached(
      {
        command: process.execPath,
        args: [`--max-old-space-size=${config.pipeline.processorHeapMb}`, `--title=${p.marker}`, repoFile('bin', 'cashflow.js'), 'run', p.name],
        cwd: repoFile(),
        env: { ...(options.extraEnv ?? {}), ...childIdentity(config, p.id), CASHFLOW_METRICS_PORT: String(p.metricsPort) },
        marker: p.marker,
      },
      p.pidFile,
      p.logFile,
      p.metricsPort,
    );
    pids.set(p, pid);
    started.push(p);
  }
  const deadline = Date.now() + 60_000;
  for (const p of started) await untilAnswering(p.name, pids.get(p)!, p.metricsPort, p.logFile, deadline);
  return { started, alreadyRunning };
}

/**
 * What a process started here needs to register as a Prometheus target where this stack's
 * Prometheus looks: its id, and the stack folder as an absolute path (a relative
 * CASHFLOW_STACK_DIR would otherwise resolve against the child's own working directory).
 */
function childIdentity(config: Config, id: string): Record<string, string> {
  return { CASHFLOW_PROCESS_ID: id, CASHFLOW_STACK_DIR: resolve(config.stack.dir) };
}

/** Ready when /healthz answers; a process that dies meanwhile is reported with its log. */
async function untilAnswering(what: string, pid: number, port: number, logFile: string, deadline: number): Promise<void> {
  for (;;) {
    if (!isAlive(pid)) throw new PlatformError(`${what} exited at start; ${logFile}:\n${logTail(logFile)}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new PlatformError(`${what} does not answer http://127.0.0.1:${port}/healthz; ${logFile}:\n${logTail(logFile)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The lag exporter `cashflow start` runs beside the processors when the stack has monitoring. */
export async function lagExporterProcess(config: Config, basePort?: number): Promise<{ id: string; pidFile: string; logFile: string; marker: string; metricsPort: number }> {
  const id = sanitize(`${topologyFromConfig(config).options.prefix}${LAG_EXPORTER_ID}`);
  const root = resolve(config.stack.dir);
  const processors = await processorProcesses(config, { basePort });
  return {
    id,
    pidFile: join(root, 'run', `processor-${id}.pid`),
    logFile: join(root, 'logs', `processor-${id}.log`),
    marker: `cashflow-processor:${id}`,
    // the port after the processors'
    metricsPort: Math.max(...processors.map((p) => p.metricsPort)) + 1,
  };
}

const LAG_EXPORTER_ID = 'lag-exporter';

/** Starts `cashflow lag --serve` in the background unless it runs; waits until it answers. */
export async function startLagExporter(config: Config, basePort?: number): Promise<{ started: boolean; metricsPort: number; logFile: string }> {
  const p = await lagExporterProcess(config, basePort);
  if (ownedPid(p.pidFile, p.marker) !== undefined) return { started: false, metricsPort: p.metricsPort, logFile: p.logFile };
  const pid = startDetached(
    {
      command: process.execPath,
      args: ['--max-old-space-size=128', `--title=${p.marker}`, repoFile('bin', 'cashflow.js'), 'lag', '--serve'],
      cwd: repoFile(),
      env: { ...childIdentity(config, p.id), CASHFLOW_LAG_EXPORTER_PORT: String(p.metricsPort) },
      marker: p.marker,
    },
    p.pidFile,
    p.logFile,
    p.metricsPort,
  );
  await untilAnswering('the lag exporter', pid, p.metricsPort, p.logFile, Date.now() + 60_000);
  return { started: true, metricsPort: p.metricsPort, logFile: p.logFile };
}

/** Stops the processor processes of this configuration (SIGTERM: graceful; SIGKILL after the grace). */
export async function stopProcessors(config: Config, graceMs = 30_000): Promise<{ stopped: string[]; killed: string[] }> {
  // Whatever `start` ran, whatever options it had: every processor pid file of this prefix.
  const runDir = join(resolve(config.stack.dir), 'run');
  const prefix = sanitize(topologyFromConfig(config).options.prefix);
  const files = existsSync(runDir) ? readdirSync(runDir).filter((f) => f.startsWith(`processor-${prefix}`) && f.endsWith('.pid')) : [];
  const stopped: string[] = [];
  const killed: string[] = [];
  await Promise.all(
    files.map(async (f) => {
      const id = f.slice('processor-'.length, -'.pid'.length);
      // without a prefix, don't take the processes of prefixed environments (they start with another word)
      if (!prefix && !PROCESSORS.some((n) => id === n || id.startsWith(`${n}-`)) && id !== LAG_EXPORTER_ID) return;
      const pidFile = join(runDir, f);
      const pid = ownedPid(pidFile, `cashflow-processor:${id}`);
      if (pid !== undefined && (await stopProcess(pid, graceMs)) === 'killed') {
        killed.push(id);
        // a killed process could not remove its Prometheus target: it is stopped, not down
        const port = recordedPort(pidFile);
        const job = id.endsWith(LAG_EXPORTER_ID) ? 'cashflow-lag' : 'cashflow-processors';
        if (port !== undefined) unregisterTarget(targetsDir(config.stack.dir), { job, process: id, address: `127.0.0.1:${port}` });
      } else if (pid !== undefined) stopped.push(id);
      removePidFile(pidFile);
    }),
  );
  return { stopped: stopped.sort(), killed: killed.sort() };
}

