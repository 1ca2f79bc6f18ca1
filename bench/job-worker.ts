// The job-worker's CPU per chunk, in process: the API's chunks of the PAM book (demo/synthetic-book.ts
// bookContract, cut by api/jobs.ts splitRawChunks as the API cuts a job's body) as Avro JobChunk
// messages, decoded as the runner decodes them and handed to jobWorker.process one chunk per
// batch, two partitions at once (partitionConcurrency), against the real Redis under a key
// prefix of its own (a fresh job per pass, removed after it). What is measured is the worker's
// whole chunk path: Avro decoding, the job's Redis commands, JSON.parse, the cases computed and
// packed, the results deflated and stored, the progress event. No Kafka.
//   node dist/bench/job-worker.js [contracts=40000] [passes=5] [warm-up passes=1]
// Prints each pass's CPU ms per 1,000 contracts, then one JSON line with every measured pass.
// JOB_WORKER_BENCH_PROFILE=<file.cpuprofile>: a CPU profile of the measured passes alone (not
// of building the book and its messages), as `node --cpu-prof` writes it.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/config.js';
import { connectRedis } from '../clients/redis.js';
import { clearState } from '../state/redis-store.js';
import { avroType } from '../schemas/avro.js';
import type { ApiJobChunk } from '../jobs/chunk.js';
import { splitRawChunks } from '../jobs/submit.js';
import { JobStore } from '../jobs/job-store.js';
import { jobWorker } from '../processors/job-worker.js';
import type { InputRecord, ProcessorContext } from '../processors/processor.js';
import type { StateReader } from '../state/model.js';
import { bookContract } from '../demo/synthetic-book.js';
import { gcTime } from './harness.js';

const CHUNK_SIZE = 1000;
const PARTITIONS = 2;

/** The book's chunk texts, as the API cuts the body `{"c0":{"terms":…},…}`. */
function bookChunks(contracts: number): { ids: string[]; text: string }[] {
  const ids: string[] = [];
  const parts: string[] = [];
  for (let i = 0; i < contracts; i++) {
    ids.push(`c${i}`);
    parts.push(`"c${i}":${JSON.stringify({ terms: bookContract('PAM', i) })}`);
  }
  const chunks = splitRawChunks(`{${parts.join(',')}}`, ids, CHUNK_SIZE);
  if (!chunks) throw new Error('the book body did not cut into chunks');
  return chunks;
}

export interface JobWorkerBenchPass {
  contracts: number;
  cpuMsPer1000: number;
  gcMsPer1000: number;
  wallSeconds: number;
}

export async function runJobWorkerBench(
  contracts: number,
  passes: number,
  warmUp: number,
  log: (s: string) => void = () => {},
): Promise<JobWorkerBenchPass[]> {
  const config = loadConfig();
  const prefix = `bench-job-worker:${process.pid}:`;
  const redis = await connectRedis(config, { name: 'cashflow-bench-job-worker', keyPrefix: prefix });
  const jobs = new JobStore(redis, 600);
  const type = avroType('JobChunk');
  const chunks = bookChunks(contracts);
  const state = {
    series: () => Promise.reject(new Error('the PAM book reads no market data')),
  } as unknown as StateReader;
  const ctx: ProcessorContext = {
    state,
    now: () => Date.now(),
    horizon: 'P30Y',
    database: () => Promise.reject(new Error('no database in the job-worker bench')),
    redis: () => redis,
  };
  // each pass's messages as the runner receives them: Confluent header + Avro body
  const passMessages = Array.from({ length: warmUp + passes }, (_, pass) =>
    chunks.map((c, i) => {
      const value: ApiJobChunk = { jobId: `bench_${pass}`, chunk: i, chunks: chunks.length, contractIds: c.ids, asOf: null, requestedAtMs: 0, cases: c.text };
      return Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), type.toBuffer(value)]);
    }),
  );
  const profile = process.env.JOB_WORKER_BENCH_PROFILE;
  const profiler = profile ? new Session() : undefined;
  const gc = gcTime();
  const results: JobWorkerBenchPass[] = [];
  try {
    for (let pass = 0; pass < warmUp + passes; pass++) {
      const jobId = `bench_${pass}`;
      const messages = passMessages[pass];
      await jobs.remove(jobId);
      await jobs.create({ jobId, contractsTotal: contracts, chunks: chunks.length, client: 'bench', callbackUrl: null, createdAtMs: Date.now() });
      await jobs.markQueued(jobId);
      if (profiler && pass === warmUp) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const cpu0 = process.cpuUsage();
      const gc0 = gc.ms;
      const t0 = performance.now();
      let next = 0;
      let events = 0;
      const partition = async () => {
        while (next < messages.length) {
          const i = next++;
          const record: InputRecord = {
            topic: 'apiJobs',
            topicName: 'api-jobs',
            partition: 0,
            offset: String(i),
            key: `${jobId}|${i}`,
            rawKey: null,
            rawValue: messages[i],
            timestampMs: 0,
            change: null,
            value: type.fromBuffer(messages[i].subarray(5)) as ApiJobChunk,
          };
          // not `events += await …`: that reads events before the other partition adds to it
          const out = await jobWorker.process([record], ctx);
          events += out.outputs.length;
        }
      };
      await Promise.all(Array.from({ length: PARTITIONS }, partition));
      const wallSeconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      await new Promise((resolve) => setImmediate(resolve)); // the GC entries of the pass
      const job = await jobs.get(jobId);
      if (job?.status !== 'completed' || job.contractsDone !== contracts || events !== chunks.length)
        throw new Error(`pass ${pass + 1}: job ${job?.status} with ${job?.contractsDone} contracts done, ${events} events`);
      await jobs.remove(jobId);
      const r = {
        contracts,
        cpuMsPer1000: ((cpu.user + cpu.system) / 1000 / contracts) * 1000,
        gcMsPer1000: ((gc.ms - gc0) / contracts) * 1000,
        wallSeconds,
      };
      const label = pass < warmUp ? 'warm-up' : `pass ${pass - warmUp + 1}`;
      log(`${label}: ${contracts} contracts in ${chunks.length} chunks; CPU ${r.cpuMsPer1000.toFixed(2)} ms per 1,000 contracts (GC pauses ${r.gcMsPer1000.toFixed(2)} ms), wall ${wallSeconds.toFixed(2)} s`);
      if (pass >= warmUp) results.push(r);
    }
    if (profiler) {
      const { profile: taken } = await profiler.post('Profiler.stop');
      writeFileSync(profile!, JSON.stringify(taken));
      profiler.disconnect();
    }
  } finally {
    redis.disconnect();
    // a pass interrupted midway leaves its job's keys (the worker writes them for a day)
    const plain = await connectRedis(config, { name: 'cashflow-bench-job-worker-cleanup' });
    await clearState(plain, prefix).finally(() => plain.disconnect());
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const contracts = Number(process.argv[2] ?? 40000);
  const passes = Number(process.argv[3] ?? 5);
  const warmUp = Number(process.argv[4] ?? 1);
  const results = await runJobWorkerBench(contracts, passes, warmUp, (s) => console.error(s));
  console.log(JSON.stringify({ cpuMsPer1000: results.map((r) => +r.cpuMsPer1000.toFixed(3)), gcMsPer1000: results.map((r) => +r.gcMsPer1000.toFixed(3)) }));
}
