// `cashflow bench api`: the API on the local stack in an environment of its own (topic prefix,
// consumer groups, schema subjects, Redis prefix; removed at the end).
//   1. single-contract requests with autocannon on loopback against `cashflow serve` (a child
//      process): requests/s and p50/p99 latency, once with every request a different contract
//      (computed) and once repeating one (answered from the results cache);
//   2. a job of N contracts of the engine benchmark's PAM book through `cashflow run
//      job-worker` children: contracts/s from submission to completion, against the engine
//      benchmark's time for the same book measured in this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bookContract, runEngineBench } from './engine.js';

export interface ApiBenchOptions {
  contracts: number;
  workers: number;
  seconds: number;
  connections: number;
  log: (s: string) => void;
}

export interface RequestFigures {
  requestsPerSecond: number;
  /** Requests per CPU-second of the API process: the steadier figure on a loaded machine. */
  requestsPerApiCpuSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

export interface ApiBenchResult {
  baseline: RequestFigures;
  computed: RequestFigures;
  cached: RequestFigures;
  job: {
    contracts: number;
    workers: number;
    chunks: number;
    submitSeconds: number;
    seconds: number;
    contractsPerSecond: number;
    /** CPU seconds of the worker processes during the job. */
    workerCpuSeconds: number;
    contractsPerWorkerCpuSecond: number;
    resultSeconds: number;
    resultMb: number;
  };
  engine: { seconds: number; cpuSeconds?: number; contractsPerSecond: number };
  /** Job seconds (submission to completion) / engine measured pass seconds. */
  jobVsEngine: number;
  /** Worker CPU seconds for the job / the engine's CPU seconds for the book. */
  jobCpuVsEngineCpu: number | null;
  peakRssMb: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used so far (Linux /proc; 100 ticks per second). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The process's peak resident set (VmHWM), read while it runs. */
function rssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

export async function runApiBench(o: ApiBenchOptions): Promise<ApiBenchResult> {
  const [
    { loadConfig },
    { buildTopology, cdcSource },
    { createAdmin },
    { registerSchemas },
    { applyTopics },
    { connectRedis },
    { clearState },
    { requestJson },
    { repoFile },
  ] = await Promise.all([
    import('../config/config.js'),
    import('../topology/topology.js'),
    import('../clients/kafka.js'),
    import('../clients/schema-registry.js'),
    import('../topology/apply.js'),
    import('../clients/redis.js'),
    import('../state/redis-store.js'),
    import('../clients/http.js'),
    import('../clients/repo-file.js'),
  ]);
  const autocannon = (await import('autocannon')).default;
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
    const port = 20000 + Math.floor(Math.random() * 20000);
    const apiProcess = child('serve', ['serve', '--port', String(port)]);
    const base = `http://127.0.0.1:${port}`;
    const apiPid = apiProcess.pid!;
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/readyz`).then(
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
    const one = (i: number) => JSON.stringify({ [`c${i}`]: { terms: bookContract('PAM', i) } });
    const cannon = async (
      label: string,
      body: (n: number) => string,
      method: 'GET' | 'POST' = 'POST',
      path = '/v1/cashflows',
    ): Promise<RequestFigures> => {
      let n = 0;
      // warm-up: JIT, connections
      const setupRequest = (req: import('autocannon').Request) =>
        method === 'POST' ? { ...req, body: body(n++) } : req;
      await autocannon({
        url: `${base}${path}`,
        method,
        headers,
        connections: o.connections,
        duration: 2,
        requests: [{ setupRequest }],
      });
      const cpu0 = cpuSecondsOf(apiPid);
      const r = await autocannon({
        url: `${base}${path}`,
        method,
        headers,
        connections: o.connections,
        duration: o.seconds,
        requests: [{ setupRequest }],
      });
      const cpu = cpuSecondsOf(apiPid) - cpu0;
      const f = {
        requestsPerSecond: Math.round(r.requests.average),
        requestsPerApiCpuSecond: cpu > 0 ? Math.round(r.requests.total / cpu) : 0,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        requests: r.requests.total,
        errors: r.errors + r.non2xx,
      };
      o.log(
        `${label}: ${f.requestsPerSecond} requests/s (${f.requestsPerApiCpuSecond} per API CPU-second), p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.requests} requests, ${f.errors} errors, ${o.connections} connections)`,
      );
      return f;
    };
    const baseline = await cannon(
      'baseline: GET /healthz (the framework alone on this machine now)',
      () => '',
      'GET',
      '/healthz',
    );
    const computed = await cannon('single contract, computed (a different contract each request)', (i) =>
      one(1_000_000 + i),
    );
    const cached = await cannon('single contract, cached (the same contract each request)', () => one(1));

    // ---- 2. the job
    for (let w = 0; w < o.workers; w++) child(`worker-${w}`, ['run', 'job-worker']);
    o.log(`job: building ${o.contracts} PAM contracts`);
    const parts: string[] = [];
    for (let i = 0; i < o.contracts; i++)
      parts.push(`"c${i}":${JSON.stringify({ terms: bookContract('PAM', i) })}`);
    const body = `{${parts.join(',')}}`;
    parts.length = 0;
    await sleep(3000); // the workers join their group
    const workers = children.slice(1);
    const workerCpu0 = workers.reduce((t, c) => t + cpuSecondsOf(c.pid!), 0);
    const t0 = performance.now();
    const submitted = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body });
    if (submitted.status !== 202)
      throw new Error(`job refused: ${submitted.status} ${await submitted.text()}`);
    const { jobId, chunks } = (await submitted.json()) as { jobId: string; chunks: number };
    const submitSeconds = (performance.now() - t0) / 1000;
    o.log(`job ${jobId}: ${chunks} chunks submitted in ${submitSeconds.toFixed(1)} s`);
    let last = '';
    for (;;) {
      const s = (await (await fetch(`${base}/v1/jobs/${jobId}`, { headers })).json()) as {
        status: string;
        contracts: { done: number };
        contractsPerSecond: number | null;
        etaSeconds: number | null;
      };
      const line = `job: ${s.status}, ${s.contracts.done}/${o.contracts} contracts, ${s.contractsPerSecond ?? '-'} contracts/s, ETA ${s.etaSeconds ?? '-'} s`;
      if (line !== last) o.log(line);
      last = line;
      if (s.status === 'completed') break;
      if (s.status === 'failed') throw new Error(`job failed: ${JSON.stringify(s)}`);
      await sleep(250);
    }
    const seconds = (performance.now() - t0) / 1000;
    const workerCpuSeconds = workers.reduce((t, c) => t + cpuSecondsOf(c.pid!), 0) - workerCpu0;
    o.log(
      `job: worker CPU ${workerCpuSeconds.toFixed(1)} s = ${Math.round(o.contracts / workerCpuSeconds)} contracts per worker CPU-second`,
    );
    const r0 = performance.now();
    const result = await fetch(`${base}/v1/jobs/${jobId}/result`, { headers });
    let bytes = 0;
    for await (const part of result.body as unknown as AsyncIterable<Uint8Array>) bytes += part.length;
    const resultSeconds = (performance.now() - r0) / 1000;
    o.log(`job result: ${(bytes / 1e6).toFixed(0)} MB streamed in ${resultSeconds.toFixed(1)} s`);
    const peakRssMb: Record<string, number> = { api: rssMb(apiProcess.pid!) };
    children.slice(1).forEach((c, i) => (peakRssMb[`worker-${i}`] = rssMb(c.pid!)));

    // ---- the engine benchmark on the same book, in this process
    o.log(`engine: the same ${o.contracts} PAM contracts in this process`);
    const engine = runEngineBench('PAM', o.contracts, () => {});
    return {
      baseline,
      computed,
      cached,
      job: {
        contracts: o.contracts,
        workers: o.workers,
        chunks,
        submitSeconds: round(submitSeconds),
        seconds: round(seconds),
        contractsPerSecond: Math.round(o.contracts / seconds),
        workerCpuSeconds: round(workerCpuSeconds),
        contractsPerWorkerCpuSecond: Math.round(o.contracts / workerCpuSeconds),
        resultSeconds: round(resultSeconds),
        resultMb: Math.round(bytes / 1e6),
      },
      engine: {
        seconds: engine.seconds,
        cpuSeconds: engine.cpuSeconds,
        contractsPerSecond: engine.contractsPerSecond,
      },
      jobVsEngine: round(seconds / engine.seconds),
      jobCpuVsEngineCpu: engine.cpuSeconds ? round(workerCpuSeconds / engine.cpuSeconds) : null,
      peakRssMb,
    };
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
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (ours.length)
      await admin
        .deleteTopics({ topics: ours, timeout: 30_000 })
        .catch((e) => o.log(`cleanup: topics: ${(e as Error).message}`));
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(prefix));
    if (groups.length)
      await admin.deleteGroups(groups).catch((e) => o.log(`cleanup: groups: ${(e as Error).message}`));
    await admin.disconnect();
    for (const s of subjects) {
      const url = `${config.schemaRegistryUrl}/subjects/${encodeURIComponent(s.subject)}`;
      await requestJson('schema-registry', 'DELETE', url, undefined, { accept: [404] }).catch(
        () => undefined,
      );
      await requestJson('schema-registry', 'DELETE', `${url}?permanent=true`, undefined, {
        accept: [404],
      }).catch(() => undefined);
    }
    const redis = await connectRedis(config, { name: 'cashflow-bench-api' });
    await clearState(redis, redisPrefix).finally(() => redis.disconnect());
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
