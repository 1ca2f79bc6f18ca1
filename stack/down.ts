// `cashflow stack down`: stops only the processes `stack up` started (pid file + command-line
// marker), Connect first so that it can leave its group before the broker goes.
import type { Config } from '../config/config.js';
import { launchSpec } from './config-files.js';
import { stackLayout, type ProcessComponent } from './layout.js';
import { postgresUrl } from './health.js';
import { ownedPid, removePidFile, stopProcess } from './processes.js';
import { registryDatabaseOf } from './up.js';
import { stackVersions } from './versions.js';

const stopOrder: ProcessComponent[] = ['zipkin', 'prometheus', 'connect', 'schema-registry', 'kafka', 'redis'];

/** The pid of a component this stack started and that still runs; undefined otherwise. */
export function stackPid(config: Config, c: ProcessComponent): number | undefined {
  const layout = stackLayout(config.stack.dir, stackVersions.apicurio);
  const registry = { version: stackVersions.apicurio, database: registryDatabaseOf(postgresUrl(config)) };
  return ownedPid(layout.pidFile(c), launchSpec(c, config.stack.ports, layout, registry).marker);
}

export async function stackDown(config: Config, log: (line: string) => void): Promise<ProcessComponent[]> {
  const layout = stackLayout(config.stack.dir, stackVersions.apicurio);
  const stopped: ProcessComponent[] = [];
  for (const c of stopOrder) {
    const pidFile = layout.pidFile(c);
    const pid = stackPid(config, c);
    if (pid !== undefined) {
      const how = await stopProcess(pid);
      log(`stack: ${c}: ${how} (pid ${pid})`);
      stopped.push(c);
    }
    removePidFile(pidFile);
  }
  return stopped;
}
