// `cashflow bench api`: the API on the local stack in an environment of its own (topic prefix,
// consumer groups, schema subjects, Redis prefix; removed at the end).
//   1. single-contract requests with autocannon on loopback against `cashflow serve` (a child
//      process): requests/s and p50/p99 latency, once with every request a different contract
//      (computed) and once repeating one (answered from the results cache);
//   1b. /healthz latency (p50, p99, max) alone and while N heavy synchronous requests run at
//      once, each connection sending in turn 300 copies of a PAM case maturing 9999-12-31
//      (refused 422 at the event limit), one copy (a 16 MB answer, read whole) and a body nested
//      20,000 deep (400): the requests that once ended the API; the goal is /healthz within 100 ms;
//   2. a job of N contracts of the engine benchmark's PAM book through `cashflow run
//      job-worker` children: contracts/s from submission to completion, against the target
//      1.2 × the engine benchmark's time for the same book (measured in this process) + the
//      Kafka transfer of the job's chunks (the same messages produced to the jobs topic and
//      consumed by as many consumers as workers, no compute).
//
// Section 1 is bench/api-requests.ts, 1b bench/healthz.ts, 2 bench/api-job.ts with the transfer
// in bench/job-transfer.ts; this module sets up the environment and the API and removes them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createAdmin, deleteConsumerGroups, deleteTopics } from '../clients/kafka.js';
import { connectRedis } from '../clients/redis.js';
import { repoFile } from '../config/repo-file.js';
import { deleteSubject, registerSchemas } from '../clients/schema-registry.js';
import { loadConfig } from '../config/config.js';
import { clearState } from '../state/redis-store.js';
import { applyTopics } from '../platform/topics.js';
import { buildTopology, cdcSource } from '../topology/topology.js';
import { freePort } from '../stack/free-port.js';
import { measureJob, type ApiJobResult } from './api-job.js';
import { timeRequests, type RequestFigures } from './api-requests.js';
import { timeHealthzUnderLoad, type HealthzUnderLoad } from './healthz.js';

export type { ApiJobResult, JobCpu } from './api-job.js';
export type { RequestFigures } from './api-requests.js';
export { runHealthzBench, timeHealthzUnderLoad, type HealthzBenchOptions, type HealthzUnderLoad, type LatencyFigures } from './healthz.js';

export interface ApiBenchOptions {
  contracts: number;
  workers: number;
  seconds: number;
  connections: number;
  /** Heavy synchronous requests at once while /healthz is timed (0: not measured). */
  heavy: number;
  /** false: sections 1 and 1b only (no job, no engine benchmark). */
  job: boolean;
  log: (s: string) => void;
}

/** Sections 1 and 1b: requests, and /healthz under heavy requests (null: not measured). */
export interface ApiRequestsResult {
  baseline: RequestFigures;
  computed: RequestFigures;
  cached: RequestFigures;
  healthzUnderLoad: HealthzUnderLoad | null;
}

export interface ApiBenchResult extends ApiRequestsResult, ApiJobResult {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runApiBench(o: ApiBenchOptions): Promise<ApiBenchResult | ApiRequestsResult> {
  const run = randomBytes(4).toString('hex');
  const prefix = `benchapi${run}.`;
  const redisPrefix = `cashflow-benchapi-${run}:`;
  const key = `bench-${run}`;
  const config = loadConfig();
  const topology = buildTopology({ ...cdcSource(config), prefix });
  const logDir = join(repoFile(), '.stack', 'bench-logs');
  mkdirSync(logDir, { recursive: true });
  const children: ChildProcess[] = [];
  const env = {
    ...process.env,
    CASHFLOW_TOPIC_PREFIX: prefix,
    CASHFLOW_REDIS_PREFIX: redisPrefix,
    CASHFLOW_API_KEYS: key,
    CASHFLOW_METRICS_PORT: '0',
    API_MAX_CONCURRENT_JOBS: '100',
    // the bench is one client on one address sending as fast as it can
    API_RATE_LIMIT_PER_KEY: '0',
    API_RATE_LIMIT_PER_ADDRESS: '0',
  };
  const child = (name: string, args: string[]) => {
    const out = openSync(join(logDir, `api-${run}-${name}.log`), 'a');
    const c = spawn(process.execPath, [repoFile('bin', 'cashflow.js'), ...args], {
      cwd: repoFile(),
      env,
      stdio: ['ignore', out, out],
    });
    children.push(c);
    return c;
  };

  const admin = await createAdmin(config);
  let subjects: { subject: string }[] = [];
  try {
    await applyTopics(admin, topology, config);
    subjects = await registerSchemas(config, topology);
    const port = await freePort();
    const apiProcess = child('serve', ['serve', '--port', String(port)]);
    const base = `http://127.0.0.1:${port}`;
    const apiPid = apiProcess.pid!;
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/readyz`, { headers }).then(
        async (r) =>
          r.ok &&
          ((await r.json()) as { dependencies: { redis: { status: string } } }).dependencies.redis.status ===
            'ok',
        () => false,
      );
      if (ok) break;
      if (i > 300) throw new Error(`the API did not start (log: ${logDir}/api-${run}-serve.log)`);
      await sleep(100);
    }

    // ---- 1. single-contract requests
    const { baseline, computed, cached } = await timeRequests({ base, headers, pid: apiPid }, o);

    // ---- 1b. /healthz while heavy requests run
    const healthzUnderLoad = o.heavy > 0 ? await timeHealthzUnderLoad(base, headers, o) : null;
    if (!o.job) return { baseline, computed, cached, healthzUnderLoad };

    // ---- 2. the job
    const job = await measureJob({ base, headers, apiPid, config, topology, admin, run, child }, o);
    return { baseline, computed, cached, healthzUnderLoad, ...job };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null || c.signalCode !== null
          ? undefined
          : Promise.race([
              new Promise((r) => c.once('exit', r)),
              sleep(15_000).then(() => c.kill('SIGKILL')),
            ]),
      ),
    );
    await deleteTopics(admin, (t) => t.startsWith(prefix)).catch((e) => o.log(`cleanup: topics: ${(e as Error).message}`));
    await deleteConsumerGroups(admin, (g) => g.startsWith(prefix)).catch((e) => o.log(`cleanup: groups: ${(e as Error).message}`));
    await admin.disconnect();
    for (const s of subjects) await deleteSubject(config, s.subject).catch(() => undefined);
    const redis = await connectRedis(config, { name: 'cashflow-bench-api' });
    await clearState(redis, redisPrefix).finally(() => redis.disconnect());
  }
}
