// A job submitted while its body streams in (docs/api.md): its chunks are produced to the jobs
// topic as they are cut and checked (jobs/body-cutter.ts), under a job that is *staged* in Redis
// until the whole body has been read and found valid. Workers compute a staged job's chunks
// and store their results, but nothing of it is visible: GET answers 404, workers send no
// progress event and never complete it, and it is in no client's running jobs. Then either
//
// - commit: the whole body was valid; the job gets its chunk count and becomes an ordinary
//   job, and only then is its last chunk produced (held back until here), so its completion
//   (callback, completed event) is always a worker's, as for any job; or
// - abort: the body is refused (the whole-body path answers the 400 or 413), the client went
//   away or anything failed; the job and whatever workers stored for it are deleted, and
//   workers skip the chunks still on the topic (their job is gone).
//
// A staged job expires STAGED_TTL_SECONDS after the API last renewed it (every
// STAGED_RENEW_MS while the body streams), results included: an API that dies mid-body leaves
// nothing behind for long. Workers that restart compute redelivered chunks once (job-store).
import { Transform, type Readable } from 'node:stream';
import { failureSummary } from '../clients/errors.js';
import type { Topology } from '../topology/topology.js';
import type { JobEvent } from '../schemas/types.js';
import { BodyCutter } from './body-cutter.js';
import { jobChunkMessage, type ApiJobChunk, type CutChunk } from './chunk.js';
import type { ChunkCheck } from './chunk-check.js';
import type { JobStore } from './job-store.js';
import { newJobId, TooManyJobsError, type KafkaSide, type Submitted } from './submit.js';

export const STAGED_TTL_SECONDS = 60;
const STAGED_RENEW_MS = 10_000;
/** Chunk bytes awaiting their acks at once (as sendPipelined). */
const IN_FLIGHT_BYTES = 32_000_000;

/** The job store's side of staging (JobStore; an in-memory fake in the API's tests). */
export type StagingStore = Pick<
  JobStore,
  'activeJobs' | 'stage' | 'renewStaged' | 'commitStaged' | 'abortStaged' | 'markQueued' | 'fail'
>;

export interface StagingOptions {
  store: StagingStore;
  kafka: KafkaSide;
  topology: Topology;
  client: string;
  callbackUrl?: string;
  maxConcurrentJobs: number;
  chunkSize: number;
  maxCases: number;
  /** Parses a chunk's text as the whole body would be parsed; throws what it refuses. */
  parse(text: string): object;
  /** Whether parsed cases pass the body's schema. */
  valid(cases: object): boolean;
  /** The ids of a chunk `parse` and `valid` certainly accept, found without parsing it (BodyCutterOptions). */
  quickCheck?: ChunkCheck;
  now?: () => number;
}

export class StagedJob {
  /** Set once the whole body was cut into valid chunks: commit() may follow. */
  complete = false;
  private readonly cutter: BodyCutter;
  private readonly inFlight: { acked: Promise<unknown>; bytes: number }[] = [];
  private inFlightBytes = 0;
  private held: CutChunk | undefined;
  private produced = 0;
  private contracts = 0;
  private failure: unknown;
  private ended: 'committed' | 'aborted' | undefined;
  private readonly renew: NodeJS.Timeout;

  private readonly encodeWithCases: ((v: ApiJobChunk, cases: Buffer) => Buffer) | undefined;

  private constructor(
    readonly jobId: string,
    private readonly o: StagingOptions,
    private readonly encodeChunk: (v: ApiJobChunk) => Buffer,
    private readonly encodeEvent: (v: JobEvent) => Buffer,
    private readonly requestedAtMs: number,
  ) {
    this.cutter = new BodyCutter({ chunkSize: o.chunkSize, maxCases: o.maxCases, check: o });
    this.encodeWithCases = casesSplicer(encodeChunk);
    this.renew = setInterval(() => {
      o.store.renewStaged(jobId, STAGED_TTL_SECONDS).catch(() => undefined);
    }, STAGED_RENEW_MS);
    this.renew.unref();
  }

  /**
   * Stages a job for a body about to stream in; undefined when the client already runs its
   * limit of jobs (the whole-body path answers the 429 after validating, as before).
   */
  static async start(o: StagingOptions): Promise<StagedJob | undefined> {
    if ((await o.store.activeJobs(o.client)).length >= o.maxConcurrentJobs) return undefined;
    const encodeChunk = (await o.kafka.codec.encoder('apiJobs')) as (v: ApiJobChunk) => Buffer;
    const encodeEvent = (await o.kafka.codec.encoder('jobEvents')) as (v: JobEvent) => Buffer;
    const jobId = newJobId();
    const requestedAtMs = (o.now ?? Date.now)();
    await o.store.stage(
      { jobId, client: o.client, callbackUrl: o.callbackUrl ?? null, createdAtMs: requestedAtMs },
      STAGED_TTL_SECONDS,
    );
    return new StagedJob(jobId, o, encodeChunk, encodeEvent, requestedAtMs);
  }

  /** Whether the body is still being cut and staged (false once irregular or failed). */
  get streaming(): boolean {
    return this.cutter.irregular === undefined && this.failure === undefined && this.ended === undefined;
  }

  /** The next bytes of the body: the chunks they complete go out, each held back until the next. */
  async write(piece: Buffer): Promise<void> {
    if (!this.streaming) return;
    for (const chunk of this.cutter.push(piece)) {
      if (this.held) this.send(this.held, 0);
      this.held = chunk;
    }
    while (this.inFlightBytes > IN_FLIGHT_BYTES && this.streaming) {
      const oldest = this.inFlight.shift()!;
      this.inFlightBytes -= oldest.bytes;
      await oldest.acked.catch((e) => (this.failure ??= e));
    }
  }

  /** The end of the body: whether it was all cut into valid chunks. */
  end(): boolean {
    if (!this.streaming) return false;
    const last = this.cutter.end();
    if (!last) return false;
    for (const chunk of last) {
      if (this.held) this.send(this.held, 0);
      this.held = chunk;
    }
    this.complete = true;
    return true;
  }

  /**
   * The body is cut and staged on its way to Fastify's body parser. Never fails the stream.
   * With `holdBack` (its length is known and within the limit: Fastify checks the bytes
   * received against it through receivedEncodedLength), the bytes go on to the parser only
   * when the whole-body path needs them (the body is irregular, or staging failed): a body
   * staged whole is not gathered into one 70 MB buffer that nothing reads. Otherwise it passes
   * through unchanged.
   */
  tap(payload: Readable, holdBack = false): Transform {
    const held: Buffer[] = [];
    let received = 0;
    const pass = (tap: Transform) => {
      for (const b of held) tap.push(b);
      held.length = 0;
    };
    const tap = new Transform({
      transform: (piece: Buffer | string, _encoding, next) => {
        const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
        received += bytes.length;
        const onward = () => {
          if (holdBack && this.streaming) {
            held.push(bytes);
            return next();
          }
          pass(tap);
          next(null, bytes);
        };
        this.write(bytes).then(onward, onward);
      },
      flush: (next) => {
        try {
          this.end();
        } catch {
          // not complete: the whole-body path decides
        }
        if (this.complete) held.length = 0;
        else pass(tap);
        next();
      },
    });
    payload.on('error', (e) => tap.destroy(e));
    // Fastify compares what it received with the content length through this
    const encoded = payload as Readable & { receivedEncodedLength?: number };
    Object.defineProperty(tap, 'receivedEncodedLength', {
      get: () => (holdBack ? received : encoded.receivedEncodedLength),
    });
    return payload.pipe(tap);
  }

  /**
   * The body was valid: the job becomes visible with its chunk count, then its last chunk
   * goes out. Throws TooManyJobsError (the job is aborted) or a produce error (the job failed),
   * as submitJob.
   */
  async commit(): Promise<Submitted> {
    if (!this.complete || !this.held) throw new Error(`job ${this.jobId} is not completely staged`);
    const now = this.o.now ?? Date.now;
    const chunks = this.produced + 1;
    const contracts = this.contracts + this.held.ids.length;
    try {
      await Promise.all(this.inFlight.map((f) => f.acked));
      if (this.failure !== undefined) throw this.failure;
    } catch (e) {
      await this.abort();
      throw e;
    }
    const active = await this.o.store.activeJobs(this.o.client);
    if (active.length >= this.o.maxConcurrentJobs) {
      await this.abort();
      throw new TooManyJobsError(active.length, this.o.maxConcurrentJobs);
    }
    if (!(await this.o.store.commitStaged(this.jobId, chunks, contracts))) {
      await this.abort();
      throw new Error(`job ${this.jobId} expired while its body was read (over ${STAGED_TTL_SECONDS} s)`);
    }
    this.ended = 'committed';
    clearInterval(this.renew);
    const { jobId } = this;
    try {
      await this.produce(this.held, chunks);
    } catch (e) {
      await this.o.store
        // the job's error is shown to its client: the kind of failure, not where (clients/errors.ts)
        .fail(jobId, `submission failed: ${failureSummary(e)}`, now())
        .catch(() => undefined);
      throw e;
    }
    await this.o.store.markQueued(jobId);
    const queued: JobEvent = {
      jobId,
      type: 'queued',
      contractsTotal: contracts,
      contractsDone: 0,
      message: `${chunks} chunks`,
      atMs: now(),
    };
    await this.o.kafka.producer.send({
      topic: this.o.topology.topic('jobEvents').name,
      messages: [{ key: jobId, value: this.encodeEvent(queued) }],
    });
    return { jobId, contracts, chunks };
  }

  /** Deletes the staged job and what workers stored for it (nothing once committed). Idempotent. */
  async abort(): Promise<void> {
    if (this.ended) return;
    this.ended = 'aborted';
    clearInterval(this.renew);
    await this.o.store.abortStaged(this.jobId);
  }

  /** Produces a staged chunk without waiting for its ack; `chunks` is 0 while the count is unknown. */
  private send(chunk: CutChunk, chunks: number): void {
    const acked = this.produce(chunk, chunks);
    acked.catch((e) => (this.failure ??= e)); // awaited later; not an unhandled rejection meanwhile
    const bytes = chunk.bytes.length;
    this.inFlight.push({ acked, bytes });
    this.inFlightBytes += bytes;
  }

  private produce(chunk: CutChunk, chunks: number): Promise<unknown> {
    const i = this.produced++;
    this.contracts += chunk.ids.length;
    const value: ApiJobChunk = {
      jobId: this.jobId,
      chunk: i,
      chunks,
      contractIds: chunk.ids,
      asOf: null,
      requestedAtMs: this.requestedAtMs,
      cases: null,
    };
    const message = this.encodeWithCases
      ? this.encodeWithCases(value, chunk.bytes)
      : this.encodeChunk({ ...value, cases: chunk.bytes.toString('utf8') });
    return this.o.kafka.producer.send({
      topic: this.o.topology.topic('apiJobs').name,
      messages: [jobChunkMessage(this.o.topology, this.jobId, i, message)],
    });
  }
}

/**
 * A chunk's message with its cases given as UTF-8 bytes, not as a string the encoder would write
 * back to bytes (a 440 KB string made and encoded per chunk of 1,000: ~2 ms of the API's CPU
 * and its garbage). Avro writes `cases`, JobChunk's last field, a ["null","string"] union, as
 * the branch (zigzag 1 = 0x02), the byte length (zigzag varint) and the bytes, after the other
 * fields: so the message is that of the value with cases null less its last byte (branch 0),
 * followed by those. Undefined when `encode` does not write that (checked once on a sample: another
 * schema, or a fake encoder in tests): the caller then encodes the decoded text.
 */
export function casesSplicer(
  encode: (v: ApiJobChunk) => Buffer,
): ((v: ApiJobChunk, cases: Buffer) => Buffer) | undefined {
  const splice = (v: ApiJobChunk, cases: Buffer): Buffer => {
    const head = encode({ ...v, cases: null });
    const length: number[] = [];
    for (let n = 2 * cases.length; ; n = Math.floor(n / 128)) {
      if (n < 128) {
        length.push(n);
        break;
      }
      length.push((n % 128) | 128);
    }
    const out = Buffer.allocUnsafe(head.length + length.length + cases.length);
    head.copy(out, 0, 0, head.length - 1);
    let at = head.length - 1;
    out[at++] = 2;
    for (const b of length) out[at++] = b;
    cases.copy(out, at);
    return out;
  };
  try {
    const sample: ApiJobChunk = {
      jobId: 'job_sample',
      chunk: 3,
      chunks: 0,
      contractIds: ['a', 'é'],
      asOf: null,
      requestedAtMs: 1,
      cases: null,
    };
    const empty = encode(sample);
    if (empty[empty.length - 1] !== 0) return undefined;
    for (const text of ['', '{"a":{"terms":{}}}', `{"é":${'"x",'.repeat(5000)}1}`]) {
      if (!splice(sample, Buffer.from(text)).equals(encode({ ...sample, cases: text }))) return undefined;
    }
    return splice;
  } catch {
    return undefined;
  }
}
