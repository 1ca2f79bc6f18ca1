// Section 2 of `cashflow bench api`: a job of N contracts of the engine benchmark's PAM book
// through `cashflow run job-worker` children: contracts/s from submission to completion, against
// the target 1.2 × the engine benchmark's time for the same book (measured in this process) +
// the Kafka transfer of the job's chunks (bench/job-transfer.ts).
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Admin } from '../clients/kafka.js';
import { connectRedis } from '../clients/redis.js';
import type { Config } from '../config/config.js';
import { bookBody } from '../demo/synthetic-book.js';
import { stackPid } from '../stack/down.js';
import type { Topology } from '../topology/topology.js';
import { runEngineBench } from './engine.js';
import { measureTransfer, waitForAssignment, type TransferFigures } from './job-transfer.js';
import { cpuSecondsOf, peakRssKb } from './process-stats.js';

export interface ApiJobResult {
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
  transfer: TransferFigures;
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

export interface ApiJobOptions {
  contracts: number;
  workers: number;
  log: (s: string) => void;
}

/** What the job section runs against: the API, its environment and a way to start children in it. */
export interface ApiJobContext {
  base: string;
  headers: Record<string, string>;
  apiPid: number;
  config: Config;
  topology: Topology;
  admin: Admin;
  run: string;
  /** Starts `cashflow <args>` in the bench's environment (stopped by the caller at the end). */
  child: (name: string, args: string[]) => ChildProcess;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 100) / 100;

/** The process's peak resident set (VmHWM) in MB, read while it runs; 0 when not readable. */
function rssMb(pid: number): number {
  const kb = peakRssKb(pid);
  return kb === undefined ? 0 : Math.round(kb / 1024);
}

export async function measureJob(ctx: ApiJobContext, o: ApiJobOptions): Promise<ApiJobResult> {
  const { base, headers, apiPid, config, topology, admin, run, child } = ctx;
  // ---- 2. the job
  o.log(`job: building ${o.contracts} PAM contracts`);
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
  const workers: ChildProcess[] = [];
  for (let w = 0; w < o.workers; w++) workers.push(child(`worker-${w}`, ['run', 'job-worker']));
  await waitForAssignment(
    admin,
    topology.processor('job-worker').consumerGroup,
    o.workers,
    topology.topic('apiJobs').name,
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
  const redisPid = await redisServerPid(config);
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
  const peakRssMb: Record<string, number> = { api: rssMb(apiPid) };
  workers.forEach((c, i) => (peakRssMb[`worker-${i}`] = rssMb(c.pid!)));

  // ---- the engine benchmark on the same book, in this process
  o.log(`engine: the same ${o.contracts} PAM contracts in this process`);
  const engine = runEngineBench('PAM', o.contracts, () => {});
  const targetSeconds = 1.2 * engine.seconds + transfer.seconds;
  return {
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
}

/** The Redis server's pid when it runs on this machine (its CPU is then readable); else undefined. */
async function redisServerPid(config: Config): Promise<number | undefined> {
  const redis = await connectRedis(config, { name: 'cashflow-bench-api' });
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return Number.isInteger(pid) && cpuSecondsOf(pid) > 0 ? pid : undefined;
  } finally {
    redis.disconnect();
  }
}
