// Prometheus file-based service discovery (https://prometheus.io/docs/guides/file-sd/): every
// process that serves /metrics (`cashflow run`, `serve`, `lag-exporter`, hence `cashflow start`)
// writes one JSON file naming its address into the stack folder, and removes it when it stops.
// Prometheus watches the folder; a process that dies without removing its file stays a target
// whose `up` is 0, which is what CashflowProcessDown alerts on (ops/prometheus/alerts.yml).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';

/** The scrape jobs, one per kind of process; each reads its own files (stack/prometheus.ts). */
export const scrapeJobs = ['cashflow-processors', 'cashflow-api', 'cashflow-lag'] as const;
export type ScrapeJob = (typeof scrapeJobs)[number];

export interface ScrapeTarget {
  job: ScrapeJob;
  /** What the process is, unique within the job: `calculator`, `run7.sink`, `api-8090`. */
  process: string;
  /** host:port of its /metrics. */
  address: string;
}

/** The folder Prometheus reads targets from, inside the stack folder. */
export function targetsDir(stackDir: string): string {
  return join(resolve(stackDir), 'prometheus', 'targets');
}

/** The glob of one job's files (Prometheus's file_sd_configs `files`). */
export function targetsGlob(dir: string, job: ScrapeJob): string {
  return join(dir, `${job}--*.json`);
}

/** One file per process and port: two `cashflow run calculator` on two ports are two targets. */
function fileName(t: Pick<ScrapeTarget, 'job' | 'process' | 'address'>): string {
  const port = t.address.split(':').pop() ?? '';
  return `${t.job}--${`${t.process}--${port}`.replace(/[^A-Za-z0-9_.+-]+/g, '_')}.json`;
}

/** The file's content: one target group with the labels the alerts and dashboards use. */
export function targetGroups(t: ScrapeTarget): { targets: string[]; labels: Record<string, string> }[] {
  return [{ targets: [t.address], labels: { process: t.process } }];
}

/**
 * Writes the target's file (atomically: Prometheus may read the folder at any moment) and
 * returns the function that removes it.
 */
export function registerTarget(dir: string, t: ScrapeTarget): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, fileName(t));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(targetGroups(t), null, 2)}\n`);
  renameSync(tmp, file);
  return () => rmSync(file, { force: true });
}

/** Removes a target's file (`cashflow stop` after a SIGKILL: the process could not). */
export function unregisterTarget(dir: string, t: ScrapeTarget): void {
  rmSync(join(dir, fileName(t)), { force: true });
}

/**
 * Registers a process serving /metrics on 127.0.0.1:`port` and removes it when the process
 * exits (normally or by a signal the CLI handles). The process label is CASHFLOW_PROCESS_ID
 * (config.stack.monitoring.processId) when `cashflow start` set it, else `fallback`.
 */
export function registerThisProcess(
  stack: Pick<Config['stack'], 'dir' | 'monitoring'>,
  job: ScrapeJob,
  fallback: string,
  port: number,
  host = '127.0.0.1',
): () => void {
  const remove = registerTarget(targetsDir(stack.dir), {
    job,
    process: stack.monitoring.processId || fallback,
    address: `${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`,
  });
  process.once('exit', remove);
  return () => {
    process.off('exit', remove);
    remove();
  };
}
