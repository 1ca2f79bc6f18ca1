// Submitting a job: the cases are split into chunks on the jobs topic (key `<job id>|<chunk>`,
// chunk i on partition i mod the topic's partitions, jobChunkMessage: every job-worker of the
// consumer group takes an equal share); the job's status lives in Redis (jobs/job-store.ts). Kafka
// is connected on the first job, so the API starts without it.
import { activeTracer } from '../tracing/tracer.js';
import { activeTraceHeaders } from '../tracing/kafka-headers.js';
import { randomBytes } from 'node:crypto';
import { failureSummary } from '../clients/errors.js';
import type { Producer } from '../clients/kafka.js';
import type { AvroCodec } from '../clients/schema-registry.js';
import type { JobEvent } from '../schemas/types.js';
import type { Topology } from '../topology/topology.js';
import { BodyCutter } from './body-cutter.js';
import { jobChunkMessage, MAX_CHUNK_BYTES, type ApiJobChunk, type ChunkText, type CutChunk } from './chunk.js';
import type { Cases } from '../state/case-market-data.js';
import type { JobStore } from './job-store.js';


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

/**
 * The chunks of cases (at most `size` cases and MAX_CHUNK_BYTES of JSON each, in body order):
 * their JSON text cut by BodyCutter, as a body streaming in is. Throws CaseTooLargeError for a
 * case alone over MAX_CHUNK_BYTES.
 */
export function splitIntoChunks(cases: Cases, size: number): ChunkText[] {
  if (Object.keys(cases).length === 0) return [];
  const { chunks, cutter } = cutWhole(JSON.stringify(cases), size);
  if (chunks) return chunks;
  if (cutter.tooLarge) throw new CaseTooLargeError(cutter.tooLarge.id, cutter.tooLarge.bytes);
  throw new Error(`cases not cut into chunks: ${cutter.irregular}`);
}

/**
 * The chunks of splitIntoChunks, cut from the body's own JSON text instead of serializing every
 * case again, by BodyCutter: a chunk is `{` + the text from its first case to its last + `}`.
 * `ids` are the parsed body's keys (Object.keys); the text is the body it was parsed from, so it
 * is valid JSON. Undefined (the caller falls back to splitIntoChunks) when the text's members
 * are not exactly `ids` in that order (a repeated case id, whose last value JSON.parse keeps;
 * integer-like ids, which Object.keys lists first) or a case alone is over MAX_CHUNK_BYTES as
 * written. Sound only while the body schema changes nothing it validates (no defaults, coercion
 * or removed properties: jobs/submit.test.ts).
 */
export function splitRawChunks(text: string, ids: readonly string[], size: number): ChunkText[] | undefined {
  return cutWhole(text, size, ids).chunks;
}

/**
 * A JSON text of cases parsed whole already, cut unchecked: its chunks, none when the cutter
 * finds it irregular or its ids are not `ids` (when given: not cut further than the first that
 * differs). It goes to the cutter in pieces, as a body streams in: no buffer of the whole text
 * at once (a 70 MB allocation outside the heap made V8 collect the whole heap, the parsed body
 * with it: ~120 ms). An ASCII text (the usual body) is its own bytes, each chunk's text a slice
 * of it; any other comes as bytes, made text as each chunk comes.
 */
function cutWhole(
  text: string,
  size: number,
  ids?: readonly string[],
): { chunks: ChunkText[] | undefined; cutter: BodyCutter } {
  const ascii = Buffer.byteLength(text) === text.length;
  const cutter = new BodyCutter({ chunkSize: size, maxCases: Infinity, bytes: !ascii });
  const chunks: ChunkText[] = [];
  let cases = 0;
  const take = (cut: CutChunk[]) => {
    for (const c of cut) {
      if (ids) for (const id of c.ids) if (id !== ids[cases++]) return false;
      chunks.push({ ids: c.ids, text: ascii ? `{${text.slice(c.start, c.end)}}` : c.bytes.toString() });
    }
    return true;
  };
  for (let at = 0; at < text.length;) {
    let to = Math.min(text.length, at + PIECE);
    // not between the two halves of a surrogate pair
    const c = text.charCodeAt(to - 1);
    if (to < text.length && c >= 0xd800 && c <= 0xdbff) to--;
    if (!take(cutter.push(Buffer.from(text.slice(at, to), ascii ? 'latin1' : 'utf8'))))
      return { chunks: undefined, cutter };
    at = to;
  }
  const last = cutter.end();
  const whole = last !== undefined && take(last) && (!ids || cases === ids.length);
  return { chunks: whole ? chunks : undefined, cutter };
}

/** The pieces a text goes to the cutter in, as a socket brings a body. */
const PIECE = 65_536;

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
  /** The JSON text `cases` was parsed from: chunks are cut from it (splitRawChunks). */
  rawJson?: string;
  now?: () => number;
}

export interface Submitted {
  jobId: string;
  contracts: number;
  chunks: number;
}

/**
 * Produces the messages in order, each as soon as it is taken from `messages` (encoded), without
 * waiting for the previous one's ack (the idempotent producer keeps the order; acks=all makes each
 * durable): workers start on the first chunks while later ones are encoded. At most
 * IN_FLIGHT_BYTES await their acks at once. Resolves when every message is acknowledged.
 */
export async function sendPipelined(
  producer: Pick<Producer, 'send'>,
  topic: string,
  messages: Iterable<{ key: string; value: Buffer; partition?: number }>,
): Promise<void> {
  const IN_FLIGHT_BYTES = 32_000_000;
  const inFlight: { acked: Promise<unknown>; bytes: number }[] = [];
  let inFlightBytes = 0;
  // the request's trace (tracing on): each chunk carries it to the job-workers
  const headers = activeTracer() && activeTraceHeaders();
  for (const m of messages) {
    const acked = producer.send({ topic, messages: [headers ? { ...m, headers } : m] });
    acked.catch(() => undefined); // awaited below; a later failure is not an unhandled rejection meanwhile
    inFlight.push({ acked, bytes: m.value.length });
    inFlightBytes += m.value.length;
    while (inFlightBytes > IN_FLIGHT_BYTES) {
      const oldest = inFlight.shift()!;
      await oldest.acked;
      inFlightBytes -= oldest.bytes;
    }
  }
  await Promise.all(inFlight.map((f) => f.acked));
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
  const chunks =
    (o.rawJson !== undefined && splitRawChunks(o.rawJson, Object.keys(cases), o.chunkSize)) ||
    splitIntoChunks(cases, o.chunkSize);
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
  const encodeChunk = await kafka.codec.encoder('apiJobs');
  const encodeEvent = await kafka.codec.encoder('jobEvents');
  const jobsTopic = topology.topic('apiJobs').name;
  function* messages() {
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
      yield jobChunkMessage(topology, jobId, i, encodeChunk(value));
    }
  }
  try {
    await sendPipelined(kafka.producer, jobsTopic, messages());
  } catch (e) {
    // the job's error is shown to its client: the kind of failure, not where (clients/errors.ts)
    await store.fail(jobId, `submission failed: ${failureSummary(e)}`, now()).catch(() => undefined);
    throw e;
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
