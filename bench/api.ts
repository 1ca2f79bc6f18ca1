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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Admin, Consumer } from '../clients/kafka.js';
import type { Cases } from '../api/compute.js';
import type { Config } from '../config/config.js';
import type { Topology } from '../topology/topology.js';
import { freePort } from '../stack/free-port.js';
import { bookContract, farMaturityCase, runEngineBench } from './engine.js';

const { ConsumerGroupStates } = KafkaJS;

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

export interface LatencyFigures {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** /healthz answered alone, then while `heavy` abusive synchronous requests run at once. */
export interface HealthzUnderLoad {
  heavy: number;
  seconds: number;
  /** The heavy requests answered, by status code. */
  statuses: Record<string, number>;
  idle: LatencyFigures;
  loaded: LatencyFigures;
  /**
   * The API's event loop delay meanwhile (prom-client's, reset at each scrape): its main thread
   * held up by its own work, as against the process waiting for a core.
   */
  eventLoopDelay: { p99Ms: number; maxMs: number } | null;
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

/** Sections 1 and 1b: requests, and /healthz under heavy requests (null: not measured). */
export interface ApiRequestsResult {
  baseline: RequestFigures;
  computed: RequestFigures;
  cached: RequestFigures;
  healthzUnderLoad: HealthzUnderLoad | null;
}

export interface ApiBenchResult extends ApiRequestsResult {
  job: {
    contracts: number;
    workers: number;
    chunks: number;
    submitSeconds: number;
    /** From the POST to the first chunk's start at a worker. */
    firstChunkSeconds: number;
    /** From the POST to the job's completion as the last worker recorded it. */
    seconds: number;
    contractsPerSecond: number;
    /** CPU seconds of the worker processes during the job. */
    workerCpuSeconds: number;
    contractsPerWorkerCpuSecond: number;
    /** CPU seconds of the API process during the job (receiving, cutting, checking, producing; and the bench's status polls). */
    apiCpuSeconds: number;
    /** Every process's CPU during the job, what the machine's cores had to run. */
    cpu: JobCpu;
    resultSeconds: number;
    resultMb: number;
  };
  /** The job's chunk messages through Kafka alone (produced as the API does, consumed by `workers` consumers). */
  transfer: {
    chunks: number;
    mb: number;
    seconds: number;
    ackedSeconds: number;
    /** CPU seconds of the transfer: this process (producer and consumers) and the broker when local. */
    cpu: { client: number; broker: number | null };
  };
  /** The job before the measured one, same size up to 10 chunks: JIT of the API and workers. */
  warmup: { contracts: number; seconds: number };
  engine: { seconds: number; cpuSeconds?: number; contractsPerSecond: number };
  /** 1.2 × engine seconds + transfer seconds, and the job's seconds over it (≤ 1: met). */
  target: { seconds: number; jobVsTarget: number; met: boolean };
  /** Job seconds (submission to completion) / engine measured pass seconds. */
  jobVsEngine: number;
  /** Worker CPU seconds for the job / the engine's CPU seconds for the book. */
  jobCpuVsEngineCpu: number | null;
  peakRssMb: Record<string, number>;
}

/**
 * CPU seconds of each process the job ran on during it (the broker and Redis only when they run
 * on this machine), and the least wall time that much CPU takes on this machine's cores.
 */
export interface JobCpu {
  workers: number;
  api: number;
  broker: number | null;
  redis: number | null;
  /** This process: uploading the body and polling the job's status. */
  client: number;
  total: number;
  cores: number;
  /** total / cores: the job's floor if every core ran it all along. */
  floorSeconds: number;
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

export async function runApiBench(o: ApiBenchOptions): Promise<ApiBenchResult | ApiRequestsResult> {
  const [
    { loadConfig },
    { buildTopology, cdcSource },
    { createAdmin, deleteTopics, deleteConsumerGroups },
    { registerSchemas },
    { applyTopics },
    { connectRedis },
    { clearState },
    { requestJson },
    { repoFile },
    { stackPid },
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
    import('../stack/down.js'),
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

    // ---- 1b. /healthz while heavy requests run
    const healthzUnderLoad = o.heavy > 0 ? await timeHealthzUnderLoad(base, headers, o) : null;
    if (!o.job) return { baseline, computed, cached, healthzUnderLoad };

    // ---- 2. the job
    o.log(`job: building ${o.contracts} PAM contracts`);
    const bookBody = (n: number, idPrefix: string) => {
      const parts: string[] = [];
      for (let i = 0; i < n; i++)
        parts.push(`"${idPrefix}${i}":${JSON.stringify({ terms: bookContract('PAM', i) })}`);
      return `{${parts.join(',')}}`;
    };
    const body = bookBody(o.contracts, 'c');

    // 2a. the Kafka transfer baseline, before the workers start (nothing else competes)
    const brokerPid = stackPid(config, 'kafka');
    const transfer = await measureTransfer({
      brokerPid,
      config,
      topology,
      admin,
      body,
      consumers: o.workers,
      run,
      log: o.log,
    });

    // 2b. the workers, in their group with every partition assigned (a member joining later
    // would hold its partitions back for seconds of cooperative rebalancing)
    for (let w = 0; w < o.workers; w++) child(`worker-${w}`, ['run', 'job-worker']);
    const workers = children.slice(1);
    await waitForGroup(
      admin,
      topology.processor('job-worker').consumerGroup,
      o.workers,
      topology.topic('jobs').name,
    );
    o.log(`job: ${o.workers} workers in their group, every partition assigned`);

    const runJob = async (jobBody: string, contracts: number, label: string) => {
      const t0 = performance.now();
      const wall0 = Date.now();
      const submitted = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: jobBody });
      if (submitted.status !== 202)
        throw new Error(`job refused: ${submitted.status} ${await submitted.text()}`);
      const { jobId, chunks } = (await submitted.json()) as { jobId: string; chunks: number };
      const submitSeconds = (performance.now() - t0) / 1000;
      o.log(`${label} ${jobId}: ${chunks} chunks submitted in ${submitSeconds.toFixed(2)} s`);
      let last = '';
      for (;;) {
        const s = (await (await fetch(`${base}/v1/jobs/${jobId}`, { headers })).json()) as {
          status: string;
          contracts: { done: number };
          contractsPerSecond: number | null;
          etaSeconds: number | null;
          startedAt: string | null;
          completedAt: string | null;
        };
        const line = `${label}: ${s.status}, ${s.contracts.done}/${contracts} contracts, ${s.contractsPerSecond ?? '-'} contracts/s, ETA ${s.etaSeconds ?? '-'} s`;
        if (line !== last) o.log(line);
        last = line;
        if (s.status === 'failed') throw new Error(`${label} failed: ${JSON.stringify(s)}`);
        if (s.status === 'completed')
          return {
            jobId,
            chunks,
            submitSeconds,
            // the workers' own clock (this machine's): no polling delay in the figure
            firstChunkSeconds: (Date.parse(s.startedAt!) - wall0) / 1000,
            seconds: (Date.parse(s.completedAt!) - wall0) / 1000,
          };
        await sleep(100);
      }
    };

    // 2c. a warm-up job (the engine benchmark measures its second pass too)
    const warmContracts = Math.min(o.contracts, 10 * config.api.jobChunkSize);
    const warm = await runJob(bookBody(warmContracts, 'w'), warmContracts, 'warm-up job');

    // 2d. the measured job
    const redisPid = await redisServerPid(config, connectRedis);
    const cpuOf = (pid: number | undefined) => (pid === undefined ? null : cpuSecondsOf(pid));
    const workerCpu0 = workers.reduce((t, c) => t + cpuSecondsOf(c.pid!), 0);
    const apiCpu0 = cpuSecondsOf(apiPid);
    const [broker0, redis0] = [cpuOf(brokerPid), cpuOf(redisPid)];
    const client0 = process.cpuUsage();
    const job = await runJob(body, o.contracts, 'job');
    const clientUsage = process.cpuUsage(client0);
    const workerCpuSeconds = workers.reduce((t, c) => t + cpuSecondsOf(c.pid!), 0) - workerCpu0;
    const apiCpuSeconds = cpuSecondsOf(apiPid) - apiCpu0;
    const since = (now: number | null, then: number | null) => (now === null || then === null ? null : round(now - then));
    const cores = availableParallelism();
    const cpu: JobCpu = {
      workers: round(workerCpuSeconds),
      api: round(apiCpuSeconds),
      broker: since(cpuOf(brokerPid), broker0),
      redis: since(cpuOf(redisPid), redis0),
      client: round((clientUsage.user + clientUsage.system) / 1e6),
      total: 0,
      cores,
      floorSeconds: 0,
    };
    cpu.total = round(cpu.workers + cpu.api + (cpu.broker ?? 0) + (cpu.redis ?? 0) + cpu.client);
    cpu.floorSeconds = round(cpu.total / cores);
    o.log(
      `job: completed ${job.seconds.toFixed(2)} s after the POST (202 after ${job.submitSeconds.toFixed(2)} s, first chunk started at ${job.firstChunkSeconds.toFixed(2)} s); worker CPU ${workerCpuSeconds.toFixed(1)} s = ${Math.round(o.contracts / workerCpuSeconds)} contracts per worker CPU-second; API CPU ${apiCpuSeconds.toFixed(2)} s`,
    );
    o.log(
      `job CPU: workers ${cpu.workers} + API ${cpu.api} + broker ${cpu.broker ?? '-'} + Redis ${cpu.redis ?? '-'} + this client ${cpu.client} = ${cpu.total} CPU-s: at least ${cpu.floorSeconds} s on ${cores} cores`,
    );
    const r0 = performance.now();
    const result = await fetch(`${base}/v1/jobs/${job.jobId}/result`, { headers });
    let bytes = 0;
    for await (const part of result.body as unknown as AsyncIterable<Uint8Array>) bytes += part.length;
    const resultSeconds = (performance.now() - r0) / 1000;
    o.log(`job result: ${(bytes / 1e6).toFixed(0)} MB streamed in ${resultSeconds.toFixed(1)} s`);
    const peakRssMb: Record<string, number> = { api: rssMb(apiProcess.pid!) };
    workers.forEach((c, i) => (peakRssMb[`worker-${i}`] = rssMb(c.pid!)));

    // ---- the engine benchmark on the same book, in this process
    o.log(`engine: the same ${o.contracts} PAM contracts in this process`);
    const engine = runEngineBench('PAM', o.contracts, () => {});
    const targetSeconds = 1.2 * engine.seconds + transfer.seconds;
    return {
      baseline,
      computed,
      cached,
      healthzUnderLoad,
      job: {
        contracts: o.contracts,
        workers: o.workers,
        chunks: job.chunks,
        submitSeconds: round(job.submitSeconds),
        firstChunkSeconds: round(job.firstChunkSeconds),
        seconds: round(job.seconds),
        contractsPerSecond: Math.round(o.contracts / job.seconds),
        workerCpuSeconds: round(workerCpuSeconds),
        contractsPerWorkerCpuSecond: Math.round(o.contracts / workerCpuSeconds),
        apiCpuSeconds: round(apiCpuSeconds),
        cpu,
        resultSeconds: round(resultSeconds),
        resultMb: Math.round(bytes / 1e6),
      },
      transfer,
      warmup: { contracts: warmContracts, seconds: round(warm.seconds) },
      engine: {
        seconds: engine.seconds,
        cpuSeconds: engine.cpuSeconds,
        contractsPerSecond: engine.contractsPerSecond,
      },
      jobVsEngine: round(job.seconds / engine.seconds),
      jobCpuVsEngineCpu: engine.cpuSeconds ? round(workerCpuSeconds / engine.cpuSeconds) : null,
      target: {
        seconds: round(targetSeconds),
        jobVsTarget: round(job.seconds / targetSeconds),
        met: job.seconds <= targetSeconds,
      },
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
    await deleteTopics(admin, (t) => t.startsWith(prefix)).catch((e) => o.log(`cleanup: topics: ${(e as Error).message}`));
    await deleteConsumerGroups(admin, (g) => g.startsWith(prefix)).catch((e) => o.log(`cleanup: groups: ${(e as Error).message}`));
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

function latencies(ms: number[]): LatencyFigures {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { samples: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(sorted.at(-1) ?? 0) };
}

/** GET /healthz one after another (10 ms apart) until `stop` says so: each answer's time. */
async function pollHealthz(base: string, stop: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!stop()) {
    const t = performance.now();
    const r = await fetch(`${base}/healthz`);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`/healthz answered ${r.status}`);
    times.push(performance.now() - t);
    await sleep(10);
  }
  return times;
}

export async function timeHealthzUnderLoad(
  base: string,
  headers: Record<string, string>,
  o: Pick<ApiBenchOptions, 'heavy' | 'seconds' | 'log'>,
): Promise<HealthzUnderLoad> {
  const copies = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, farMaturityCase(i)])));
  const bodies = [copies(300), copies(1), `{"a":{"terms":${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`];
  const idleUntil = performance.now() + 3000;
  const idle = latencies(await pollHealthz(base, () => performance.now() > idleUntil));
  const statuses: Record<string, number> = {};
  // the API's event loop delay figures start afresh at a scrape
  const eventLoop = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const read = (name: string) => {
      const m = new RegExp(`^cashflow_api_process_nodejs_eventloop_lag_${name}_seconds ([0-9.e+-]+)$`, 'm').exec(text);
      return m ? round(Number(m[1]) * 1000) : undefined;
    };
    const [p99Ms, maxMs] = [read('p99'), read('max')];
    return p99Ms === undefined || maxMs === undefined ? null : { p99Ms, maxMs };
  };
  await eventLoop();
  let stopping = false;
  const heavy = async (c: number) => {
    for (let i = c; !stopping; i++) {
      const r = await fetch(`${base}/v1/cashflows`, { method: 'POST', headers, body: bodies[i % bodies.length] });
      await r.arrayBuffer();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  };
  const t0 = performance.now();
  const running = Array.from({ length: o.heavy }, (_, c) => heavy(c));
  const loadedUntil = t0 + o.seconds * 1000;
  const loaded = latencies(await pollHealthz(base, () => performance.now() > loadedUntil));
  stopping = true;
  await Promise.all(running);
  const eventLoopDelay = await eventLoop();
  const seconds = round((performance.now() - t0) / 1000);
  const figures = { heavy: o.heavy, seconds, statuses, idle, loaded, eventLoopDelay };
  const f = (l: LatencyFigures) => `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms (${l.samples} answers)`;
  o.log(`GET /healthz alone: ${f(idle)}`);
  o.log(
    `GET /healthz while ${o.heavy} heavy requests run at once (${Object.entries(statuses).map(([s, n]) => `${n} × ${s}`).join(', ')} in ${seconds} s): ${f(loaded)}; the API's event loop delay meanwhile: ${eventLoopDelay ? `p99 ${eventLoopDelay.p99Ms} ms, max ${eventLoopDelay.maxMs} ms` : 'not in /metrics'}`,
  );
  return figures;
}

/** The Redis server's pid when it runs on this machine (its CPU is then readable); else undefined. */
async function redisServerPid(
  config: Config,
  connectRedis: typeof import('../clients/redis.js').connectRedis,
): Promise<number | undefined> {
  const redis = await connectRedis(config, { name: 'cashflow-bench-api' });
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return Number.isInteger(pid) && cpuSecondsOf(pid) > 0 ? pid : undefined;
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits until the consumer group is stable with `members` members, each holding partitions, and
 * every partition of `topic` assigned, for a second on end.
 */
async function waitForGroup(admin: Admin, groupId: string, members: number, topic: string): Promise<void> {
  const partitions = (await admin.fetchTopicMetadata({ topics: [topic] }))[0].partitions.length;
  const deadline = Date.now() + 120_000;
  let stableSince = 0;
  for (;;) {
    const g = (await admin.describeGroups([groupId])).groups[0];
    const held =
      g?.members.map((m) => m.assignment?.topicPartitions?.filter((tp) => tp.topic === topic).length ?? 0) ??
      [];
    const ok =
      g?.state === ConsumerGroupStates.STABLE &&
      held.length === members &&
      held.every((n) => n > 0) &&
      held.reduce((a, b) => a + b, 0) === partitions;
    if (!ok) stableSince = 0;
    else if (!stableSince) stableSince = Date.now();
    else if (Date.now() - stableSince >= 1000) return;
    if (Date.now() > deadline)
      throw new Error(
        `consumer group ${groupId}: not ${members} members holding all ${partitions} partitions after 2 minutes (${JSON.stringify(held)})`,
      );
    await sleep(200);
  }
}

/**
 * The Kafka transfer of a job, no compute: the body cut into the API's chunks and encoded as the
 * API encodes them (not timed), produced to the jobs topic as the API produces them
 * (sendPipelined, the API's producer settings) and consumed by `consumers` consumers of a group
 * of their own with the workers' consumer settings. Seconds from the first send to the last
 * message received. The chunks' job id exists nowhere: job-workers starting later skip them.
 */
async function measureTransfer(a: {
  config: Config;
  topology: Topology;
  admin: Admin;
  body: string;
  consumers: number;
  run: string;
  brokerPid: number | undefined;
  log: (s: string) => void;
}): Promise<ApiBenchResult['transfer']> {
  const [
    { splitIntoChunks, splitRawChunks, sendPipelined, jobChunkMessage },
    { createAvroCodec },
    { createConsumer, createProducer },
  ] = await Promise.all([
    import('../api/jobs.js'),
    import('../clients/schema-registry.js'),
    import('../clients/kafka.js'),
  ]);
  const { config, topology } = a;
  const cases = JSON.parse(a.body) as Cases;
  const chunkSize = config.api.jobChunkSize;
  const chunks = splitRawChunks(a.body, Object.keys(cases), chunkSize) ?? splitIntoChunks(cases, chunkSize);
  const encode = await createAvroCodec(config, topology).encoder('jobs');
  const jobId = `transfer-${a.run}`;
  const messages = chunks.map((c, i) =>
    jobChunkMessage(topology, jobId, i, encode({
      jobId,
      chunk: i,
      chunks: chunks.length,
      contractIds: c.ids,
      asOf: null,
      requestedAtMs: Date.now(),
      cases: c.text,
    })),
  );
  const topic = topology.topic('jobs').name;
  const groupId = `${topology.processor('job-worker').consumerGroup}.bench-transfer`;
  let received = 0;
  let lastAt = 0;
  let allReceived!: () => void;
  const done = new Promise<void>((r) => (allReceived = r));
  const consumers: Consumer[] = [];
  const producer = await createProducer(config, { clientId: 'cashflow-bench-transfer' });
  try {
    for (let i = 0; i < a.consumers; i++) {
      const c = await createConsumer(config, {
        groupId,
        fromBeginning: true,
        clientId: `cashflow-bench-transfer-${i}`,
      });
      consumers.push(c);
      await c.subscribe({ topics: [topic] });
      await c.run({
        partitionsConsumedConcurrently: 2,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (m.key?.toString().startsWith(`${jobId}|`)) received++;
          if (received >= messages.length && !lastAt) {
            lastAt = performance.now();
            allReceived();
          }
        },
      });
    }
    await waitForGroup(a.admin, groupId, a.consumers, topic);
    const broker0 = a.brokerPid === undefined ? null : cpuSecondsOf(a.brokerPid);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await sendPipelined(producer, topic, messages);
    const ackedSeconds = (performance.now() - t0) / 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`transfer: ${received} of ${messages.length} chunk messages received in 5 minutes`),
            ),
          300_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const client = process.cpuUsage(client0);
    const broker = broker0 === null ? null : round(cpuSecondsOf(a.brokerPid!) - broker0);
    const mb = messages.reduce((n, m) => n + m.value.length, 0) / 1e6;
    const seconds = (lastAt - t0) / 1000;
    a.log(
      `Kafka transfer: ${messages.length} chunk messages (${mb.toFixed(1)} MB) produced and consumed by ${a.consumers} consumers in ${seconds.toFixed(2)} s (all acknowledged after ${ackedSeconds.toFixed(2)} s)`,
    );
    return {
      chunks: messages.length,
      mb: round(mb),
      seconds: round(seconds),
      ackedSeconds: round(ackedSeconds),
      cpu: { client: round((client.user + client.system) / 1e6), broker },
    };
  } finally {
    await Promise.allSettled([...consumers.map((c) => c.disconnect()), producer.disconnect()]);
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
