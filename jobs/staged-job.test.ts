// A job staged while its body streams in: its chunks go out as they are cut (the last held
// back until the commit), nothing of it is visible until committed, and a refused body leaves
// nothing behind.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avroType } from '../schemas/avro.js';
import { buildTopology } from '../topology/topology.js';
import type { JobRecord } from './job-store.js';
import type { ApiJobChunk } from './chunk.js';
import type { KafkaSide } from './submit.js';
import { casesSplicer, StagedJob, type StagingStore } from './staged-job.js';

class FakeStore implements StagingStore {
  readonly jobs = new Map<string, Partial<JobRecord>>();
  async activeJobs(client: string) {
    return [...this.jobs.entries()]
      .filter(([, j]) => j.client === client && j.status !== 'staged' && j.status !== 'completed')
      .map(([id]) => id);
  }
  async stage(j: Pick<JobRecord, 'jobId' | 'client' | 'callbackUrl' | 'createdAtMs'>) {
    this.jobs.set(j.jobId, { ...j, status: 'staged', chunks: 0, chunksDone: 0 });
  }
  async renewStaged() {}
  async commitStaged(id: string, chunks: number, contractsTotal: number) {
    const j = this.jobs.get(id);
    if (j?.status !== 'staged') return false;
    Object.assign(j, { chunks, contractsTotal, status: 'submitting' });
    return true;
  }
  async abortStaged(id: string) {
    if (this.jobs.get(id)?.status === 'staged') this.jobs.delete(id);
  }
  async markQueued(id: string) {
    const j = this.jobs.get(id)!;
    if (j.status === 'submitting') j.status = 'queued';
  }
  async fail(id: string, error: string) {
    Object.assign(this.jobs.get(id)!, { status: 'failed', error });
  }
}

function fakeKafka(fail?: (key: string) => boolean) {
  const sent: { topic: string; key: string; value: ApiJobChunk }[] = [];
  const kafka = {
    producer: {
      send: async ({ topic, messages }: { topic: string; messages: { key: string; value: Buffer }[] }) => {
        for (const m of messages) {
          if (fail?.(m.key)) throw new Error('broker down');
          sent.push({ topic, key: m.key, value: JSON.parse(m.value.toString()) });
        }
      },
    },
    codec: { encoder: async () => (v: unknown) => Buffer.from(JSON.stringify(v)) },
  } as unknown as KafkaSide;
  return { kafka, sent };
}

const topology = buildTopology({ database: 'cashflow', schema: 'public', prefix: 'unit.' });
const aCase = (i: number) => ({ terms: { contractID: `c${i}`, pad: 'x'.repeat(100) } });
const body = (n: number, bad: number[] = []) =>
  JSON.stringify(
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`c${i}`, bad.includes(i) ? { terms: 'no' } : aCase(i)]),
    ),
  );
// the schema's view of a chunk: every case has a terms object
const parse = (text: string) => JSON.parse(text) as object;
const valid = (cases: object) =>
  Object.values(cases as Record<string, { terms: unknown }>).every(
    (c) => c.terms && typeof c.terms === 'object',
  );

async function stage(store: FakeStore, kafka: KafkaSide, maxConcurrentJobs = 2) {
  return StagedJob.start({
    store,
    kafka,
    topology,
    client: 'alice',
    maxConcurrentJobs,
    chunkSize: 10,
    maxCases: 1000,
    parse,
    valid,
  });
}

/** Streams `text` through the job's tap in pieces; returns what came out. */
async function stream(job: StagedJob, text: string, piece = 500, holdBack = false): Promise<string> {
  const parts = Array.from({ length: Math.ceil(text.length / piece) }, (_, i) =>
    Buffer.from(text.slice(i * piece, (i + 1) * piece)),
  );
  const out: Buffer[] = [];
  const tap = job.tap(Readable.from(parts), holdBack);
  for await (const b of tap) out.push(b as Buffer);
  expect((tap as unknown as { receivedEncodedLength?: number }).receivedEncodedLength).toBe(
    holdBack ? Buffer.byteLength(text) : undefined,
  );
  return Buffer.concat(out).toString();
}

describe('a job staged while its body streams in', () => {
  it('produces chunks as they are cut, holds the last back, and commits it as an ordinary job', async () => {
    const store = new FakeStore();
    const { kafka, sent } = fakeKafka();
    const job = (await stage(store, kafka))!;
    const text = body(45);
    const firstHalf = Buffer.from(text.slice(0, text.length / 2));
    await job.write(firstHalf);
    // chunks of 10 cut from the first half are out already, under a job nobody can see
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((m) => m.value.chunks === 0 && m.key.startsWith(`${job.jobId}|`))).toBe(true);
    expect(await store.activeJobs('alice')).toEqual([]);
    expect(store.jobs.get(job.jobId)?.status).toBe('staged');
    await job.write(Buffer.from(text.slice(text.length / 2)));
    expect(job.end()).toBe(true);
    const chunkKeys = () => sent.filter((m) => m.topic === 'unit.cashflow.api-jobs').map((m) => m.key);
    expect(chunkKeys()).toEqual([0, 1, 2, 3].map((i) => `${job.jobId}|${i}`));

    expect(await job.commit()).toEqual({ jobId: job.jobId, contracts: 45, chunks: 5 });
    expect(chunkKeys()).toHaveLength(5);
    const last = sent.find((m) => m.key === `${job.jobId}|4`)!;
    expect(last.value).toMatchObject({
      chunk: 4,
      chunks: 5,
      contractIds: ['c40', 'c41', 'c42', 'c43', 'c44'],
    });
    const all = Object.assign(
      {},
      ...sent.filter((m) => m.value.cases).map((m) => JSON.parse(m.value.cases!)),
    );
    expect(all).toEqual(JSON.parse(text));
    expect(store.jobs.get(job.jobId)).toMatchObject({ status: 'queued', chunks: 5, contractsTotal: 45 });
    expect(await store.activeJobs('alice')).toEqual([job.jobId]);
    expect(sent.at(-1)).toMatchObject({ topic: 'unit.cashflow.job-events', value: { type: 'queued' } });
    await job.abort(); // the response's clean-up: nothing once committed
    expect(store.jobs.has(job.jobId)).toBe(true);
  });

  it('holding the body back, passes on none of a body staged whole and all of one the whole-body path must parse', async () => {
    for (const [text, staged] of [
      [body(45), true],
      [body(45, [44]), false], // a bad case at the very end
      [body(45, [3]), false],
    ] as const) {
      const store = new FakeStore();
      const { kafka } = fakeKafka();
      const job = (await stage(store, kafka))!;
      expect(await stream(job, text, 333, true)).toBe(staged ? '' : text);
      expect(job.complete).toBe(staged);
      await job.abort();
    }
  });

  it('passes the body through unchanged and leaves a refused one to be aborted: nothing remains', async () => {
    const store = new FakeStore();
    const { kafka, sent } = fakeKafka();
    const job = (await stage(store, kafka))!;
    const text = body(60, [37]);
    expect(await stream(job, text)).toBe(text);
    expect(job.complete).toBe(false);
    // chunks 0 and 1 went out (2 was held back) before chunk 3 was found bad (case 37); no
    // event, and the job goes with the abort
    expect(sent.map((m) => m.key)).toEqual([0, 1].map((i) => `${job.jobId}|${i}`));
    await job.abort();
    expect(store.jobs.size).toBe(0);
    await expect(job.commit()).rejects.toThrow(/not completely staged/);
  });

  it('is not staged at the job limit, and a commit over it (jobs started meanwhile) is 429 and aborts', async () => {
    const store = new FakeStore();
    const { kafka } = fakeKafka();
    store.jobs.set('job_other', { client: 'alice', status: 'running' });
    expect(await stage(store, kafka, 1)).toBeUndefined();
    const job = (await stage(store, kafka, 2))!;
    await stream(job, body(5));
    store.jobs.set('job_another', { client: 'alice', status: 'queued' });
    await expect(job.commit()).rejects.toThrow(/API_MAX_CONCURRENT_JOBS/);
    expect(store.jobs.has(job.jobId)).toBe(false);
  });

  it('stops staging when a chunk cannot be produced, and the commit fails with the broker error', async () => {
    const store = new FakeStore();
    const { kafka } = fakeKafka((key) => key.endsWith('|1'));
    const job = (await stage(store, kafka))!;
    await job.write(Buffer.from(body(35)));
    await new Promise((r) => setImmediate(r));
    expect(job.streaming).toBe(false);
    expect(job.end()).toBe(false);
    await job.abort();
    expect(store.jobs.size).toBe(0);
  });
});

describe("a chunk's message with its cases as bytes", () => {
  const type = avroType('JobChunk');
  const header = Buffer.from([0, 0, 0, 0, 7]);
  const encode = (v: ApiJobChunk) => Buffer.concat([header, type.toBuffer(v)]);

  it('is the Avro encoding of the chunk with those bytes decoded as its cases', () => {
    const splice = casesSplicer(encode)!;
    expect(splice).toBeDefined();
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.nat(20_000),
        fc.array(fc.string(), { maxLength: 3 }),
        (text, pad, contractIds) => {
          const cases = text + 'x'.repeat(pad);
          const v: ApiJobChunk = { jobId: 'job_1', chunk: 2, chunks: 0, contractIds, asOf: null, requestedAtMs: 5, cases: null };
          const message = splice(v, Buffer.from(cases, 'utf8'));
          expect(message).toEqual(encode({ ...v, cases }));
          expect(type.fromBuffer(message.subarray(5))).toMatchObject({ cases, contractIds });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is not used with an encoder that writes anything else', () => {
    expect(casesSplicer((v) => Buffer.from(JSON.stringify(v)))).toBeUndefined();
  });
});
