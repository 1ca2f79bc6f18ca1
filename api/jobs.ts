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

/** Index just past the JSON string whose opening quote is at `at` (the text is valid JSON). */
function stringEnd(text: string, at: number): number {
  let q = text.indexOf('"', at + 1);
  for (;;) {
    if (q < 0) throw new SyntaxError('unterminated string');
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    q = text.indexOf('"', q + 1);
  }
}

function skipBlanks(text: string, at: number): number {
  let c = text.charCodeAt(at);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++at);
  return at;
}

/** Index just past the JSON value starting at `at` (valid JSON: only nesting and strings matter). */
function valueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === 34) return stringEnd(text, at);
  if (first !== 123 && first !== 91) {
    // number, true, false, null: up to the next delimiter
    let c = text.charCodeAt(at);
    while (
      at < text.length &&
      c !== 44 &&
      c !== 125 &&
      c !== 93 &&
      c !== 32 &&
      c !== 10 &&
      c !== 13 &&
      c !== 9
    )
      c = text.charCodeAt(++at);
    return at;
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) i = stringEnd(text, i) - 1;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The chunks of splitIntoChunks, cut from the body's own JSON text instead of serializing every
 * case again (1.3 s of JSON.stringify for 160,000 cases): a chunk is `{` + the text from its
 * first case to its last + `}`. `ids` are the parsed body's keys (Object.keys); the text is the
 * body it was parsed from, so it is valid JSON. Undefined (the caller falls back to
 * splitIntoChunks) when the text's members are not exactly `ids` in that order (a repeated case
 * id, whose last value JSON.parse keeps; integer-like ids, which Object.keys lists first) or a
 * case alone is over MAX_CHUNK_BYTES as written. Sound only while the body schema changes
 * nothing it validates (no defaults, coercion or removed properties: api/jobs.test.ts).
 */
export function splitRawChunks(text: string, ids: readonly string[], size: number): ChunkText[] | undefined {
  try {
    return cutChunks(text, ids, size);
  } catch {
    return undefined; // not the JSON text it should be
  }
}

function cutChunks(text: string, ids: readonly string[], size: number): ChunkText[] | undefined {
  const starts = new Int32Array(ids.length);
  const ends = new Int32Array(ids.length);
  let i = skipBlanks(text, 0);
  if (text.charCodeAt(i) !== 123) return undefined;
  i = skipBlanks(text, i + 1);
  let n = 0;
  if (text.charCodeAt(i) !== 125)
    for (;;) {
      if (text.charCodeAt(i) !== 34 || n >= ids.length) return undefined;
      const keyEnd = stringEnd(text, i);
      const key = text.slice(i + 1, keyEnd - 1);
      if ((key.includes('\\') ? JSON.parse(text.slice(i, keyEnd)) : key) !== ids[n]) return undefined;
      starts[n] = i;
      i = skipBlanks(text, keyEnd);
      if (text.charCodeAt(i) !== 58) return undefined; // :
      const end = valueEnd(text, skipBlanks(text, i + 1));
      if (end < 0) return undefined;
      ends[n++] = end;
      i = skipBlanks(text, end);
      const c = text.charCodeAt(i);
      if (c === 125) break; // }
      if (c !== 44) return undefined; // ,
      i = skipBlanks(text, i + 1);
    }
  if (n !== ids.length) return undefined;
  // bytes = characters for ASCII text (the usual body); else measured per stretch
  const ascii = Buffer.byteLength(text) === text.length;
  const bytes = (from: number, to: number) => (ascii ? to - from : Buffer.byteLength(text.slice(from, to)));
  const out: ChunkText[] = [];
  let first = 0;
  let chunkBytes = 2;
  for (let k = 0; k < n; k++) {
    const own = bytes(starts[k], ends[k]);
    if (own + 2 > MAX_CHUNK_BYTES) return undefined;
    const added = k === first ? own : bytes(ends[k - 1], ends[k]);
    // >=: splitIntoChunks counts a comma after every case, so the two cut a compact body alike
    if (k > first && (k - first >= size || chunkBytes + added >= MAX_CHUNK_BYTES)) {
      out.push({ ids: ids.slice(first, k), text: `{${text.slice(starts[first], ends[k - 1])}}` });
      first = k;
      chunkBytes = 2 + own;
    } else chunkBytes += added;
  }
  if (n) out.push({ ids: ids.slice(first, n), text: `{${text.slice(starts[first], ends[n - 1])}}` });
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
  messages: Iterable<{ key: string; value: Buffer }>,
): Promise<void> {
  const IN_FLIGHT_BYTES = 32_000_000;
  const inFlight: { acked: Promise<unknown>; bytes: number }[] = [];
  let inFlightBytes = 0;
  for (const m of messages) {
    const acked = producer.send({ topic, messages: [m] });
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
  const encodeChunk = await kafka.codec.encoder('jobs');
  const encodeEvent = await kafka.codec.encoder('jobEvents');
  const jobsTopic = topology.topic('jobs').name;
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
      yield { key: `${jobId}|${i}`, value: encodeChunk(value) };
    }
  }
  try {
    await sendPipelined(kafka.producer, jobsTopic, messages());
  } catch (e) {
    await store.fail(jobId, `submission failed: ${(e as Error).message}`, now()).catch(() => undefined);
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
