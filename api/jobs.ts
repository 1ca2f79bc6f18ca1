// Submitting a job: the cases are split into chunks on the jobs topic (key `<job id>|<chunk>`,
// so chunks spread over every partition and every job-worker of the consumer group takes a
// share); the job's status lives in Redis (api/job-store.ts). Kafka is connected on the first
// job, so the API starts without it.
import { randomBytes } from 'node:crypto';
import type { Producer } from '../clients/kafka.js';
import type { AvroCodec } from '../clients/schema-registry.js';
import type { JobChunk, JobEvent } from '../schemas/types.js';
import type { Topology } from '../topology/topology.js';
import type { Cases } from './compute.js';
import type { JobStore } from './job-store.js';

/** Chunks stay well under the broker's default 1 MB message size. */
export const MAX_CHUNK_BYTES = 800_000;

export class TooManyJobsError extends Error {
  constructor(
    readonly active: number,
    readonly limit: number,
  ) {
    super(
      `this client already has ${active} running jobs (limit ${limit}, API_MAX_CONCURRENT_JOBS): wait for one to end`,
    );
    this.name = 'TooManyJobsError';
  }
}

export class CaseTooLargeError extends Error {
  constructor(
    readonly caseId: string,
    readonly bytes: number,
  ) {
    super(
      `case ${JSON.stringify(caseId)} is ${bytes} bytes of JSON, over the ${MAX_CHUNK_BYTES} bytes a job chunk can carry`,
    );
    this.name = 'CaseTooLargeError';
  }
}

/** A chunk that brings its cases (JobChunk.cases); recalculation jobs of stored contracts have none. */
export type ApiJobChunk = JobChunk & { cases: string | null };

export interface ChunkText {
  ids: string[];
  /** `{"<id>":<case>,…}` */
  text: string;
}

/** Splits cases into chunks of at most `size` cases and MAX_CHUNK_BYTES of JSON, in body order. */
export function splitIntoChunks(cases: Cases, size: number): ChunkText[] {
  const out: ChunkText[] = [];
  let ids: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (!ids.length) return;
    out.push({ ids, text: `{${parts.join(',')}}` });
    ids = [];
    parts = [];
    bytes = 2;
  };
  for (const id of Object.keys(cases)) {
    const part = `${JSON.stringify(id)}:${JSON.stringify(cases[id])}`;
    const len = Buffer.byteLength(part);
    if (len + 2 > MAX_CHUNK_BYTES) throw new CaseTooLargeError(id, len);
    if (ids.length >= size || bytes + len + 1 > MAX_CHUNK_BYTES) flush();
    ids.push(id);
    parts.push(part);
    bytes += len + 1;
  }
  flush();
  return out;
}

export function newJobId(): string {
  return `job_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

export interface KafkaSide {
  producer: Producer;
  codec: AvroCodec;
}

export interface SubmitOptions {
  client: string;
  callbackUrl?: string;
  maxConcurrentJobs: number;
  chunkSize: number;
  now?: () => number;
}

export interface Submitted {
  jobId: string;
  contracts: number;
  chunks: number;
}

export async function submitJob(
  cases: Cases,
  store: JobStore,
  kafka: KafkaSide,
  topology: Topology,
  o: SubmitOptions,
): Promise<Submitted> {
  const now = o.now ?? Date.now;
  const active = await store.activeJobs(o.client);
  if (active.length >= o.maxConcurrentJobs) throw new TooManyJobsError(active.length, o.maxConcurrentJobs);
  const chunks = splitIntoChunks(cases, o.chunkSize);
  const jobId = newJobId();
  const requestedAtMs = now();
  const contracts = chunks.reduce((n, c) => n + c.ids.length, 0);
  await store.create({
    jobId,
    contractsTotal: contracts,
    chunks: chunks.length,
    client: o.client,
    callbackUrl: o.callbackUrl ?? null,
    createdAtMs: requestedAtMs,
  });
  const encodeChunk = await kafka.codec.encoder('jobs');
  const encodeEvent = await kafka.codec.encoder('jobEvents');
  const jobsTopic = topology.topic('jobs').name;
  // a few MB per send: the idempotent producer (acks=all) makes each send durable
  const SEND_BYTES = 4_000_000;
  let batch: { key: string; value: Buffer }[] = [];
  let batchBytes = 0;
  const send = async () => {
    if (!batch.length) return;
    await kafka.producer.send({ topic: jobsTopic, messages: batch });
    batch = [];
    batchBytes = 0;
  };
  try {
    await produceChunks();
  } catch (e) {
    await store.fail(jobId, `submission failed: ${(e as Error).message}`, now()).catch(() => undefined);
    throw e;
  }
  async function produceChunks() {
    for (let i = 0; i < chunks.length; i++) {
      const value: ApiJobChunk = {
        jobId,
        chunk: i,
        chunks: chunks.length,
        contractIds: chunks[i].ids,
        asOf: null,
        requestedAtMs,
        cases: chunks[i].text,
      };
      const encoded = encodeChunk(value);
      batch.push({ key: `${jobId}|${i}`, value: encoded });
      batchBytes += encoded.length;
      if (batchBytes >= SEND_BYTES) await send();
    }
    await send();
  }
  await store.markQueued(jobId);
  const queued: JobEvent = {
    jobId,
    type: 'queued',
    contractsTotal: contracts,
    contractsDone: 0,
    message: `${chunks.length} chunks`,
    atMs: now(),
  };
  await kafka.producer.send({
    topic: topology.topic('jobEvents').name,
    messages: [{ key: jobId, value: encodeEvent(queued) }],
  });
  return { jobId, contracts, chunks: chunks.length };
}
