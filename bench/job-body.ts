// The API's CPU for a job body, in process: the benchmark's body of 160,000 PAM contracts (70 MB,
// bench/api.ts's) fed in 64 KB pieces through BodyCutter with the quick check, Fastify's JSON
// parser and the route's validator, as api/routes/jobs.ts wires them for POST /v1/jobs; and the
// whole-body paths (a job's chunks cut from a text already parsed, or from parsed cases).
// CPU ms (process.cpuUsage, user + system) of each run, then min and median. No Kafka, no Redis.
//
//   npm run build
//   node dist/bench/job-body.js [--mode stream|raw|objects] [--contracts 160000] [--runs 12]
//        [--warmups 1] [--warmup-contracts 160000] [--impl name=dir ...]
//
// The passes measured follow `--warmups` passes over a body of `--warmup-contracts` (the same
// body by default: the code is warm). The API's first job after it starts is
// `--warmups 0 --runs 1`; bench/api.ts's job, after its warm-up job of 10 chunks, is
// `--warmup-contracts 10000 --runs 1`: one process per figure, A and B alternating.
//
// --impl loads body-cutter.js, chunk-check.js and submit.js (jobs.js before 0.8.0) from a
// directory (default: this build's dist/jobs; dist/api before 0.8.0) and, given more than once,
// runs the implementations interleaved (A/B/A/B…) so that both see the same machine. Modes:
// stream, the body streaming in (BodyCutter); raw, submitJob on a body parsed whole (its chunks
// cut from its text, rawJson: a body the cutter found irregular, or /v1/cashflows over
// API_SYNC_MAX_CONTRACTS); objects, submitJob without the text (the cases serialized again).
// submitJob runs with a job store and a producer that do nothing, and the API jobs topic's Avro
// encoding as AvroCodec writes it.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import type * as BodyCutterModule from '../jobs/body-cutter.js';
import type * as ChunkCheckModule from '../jobs/chunk-check.js';
import type { JobStore } from '../jobs/job-store.js';
import type * as JobsModule from '../jobs/submit.js';
import type { KafkaSide } from '../jobs/submit.js';
import { casesBodySchema } from '../api/schemas.js';
import { avroType } from '../schemas/avro.js';
import type { Topology } from '../topology/topology.js';
import { bookBody } from '../demo/synthetic-book.js';
import { argValues } from './harness.js';

const PIECE = 64 * 1024;
const CHUNK_SIZE = 1000;

interface Impl {
  name: string;
  cutter: typeof BodyCutterModule;
  check: typeof ChunkCheckModule;
  jobs: typeof JobsModule;
}

/**
 * Fastify's JSON parser (throwing what it refuses) and the body validator of a route with
 * casesBodySchema, as api/routes/jobs.ts has them for a job's body (also the tests' whole-body path).
 */
export async function routeParserAndValidator() {
  const app = Fastify({ ajv: { customOptions: { allErrors: true, coerceTypes: false } } });
  let validator: ((v: unknown) => boolean) | undefined;
  app.post('/', {
    schema: { body: casesBodySchema },
    preValidation: async (req) => {
      validator = req.getValidationFunction('body') as (v: unknown) => boolean;
    },
    handler: async () => ({}),
  });
  await app.ready();
  await app.inject({ method: 'POST', url: '/', payload: { a: { terms: {} } } });
  const json = app.getDefaultJsonParser('error', 'error');
  const parse = (text: string): object => {
    const out: { error?: Error | null; cases?: unknown } = {};
    json({} as never, text, (error, cases) => Object.assign(out, { error, cases }));
    if (out.error || out.cases === undefined) throw out.error ?? new Error('not parsed');
    return out.cases as object;
  };
  return { parse, valid: validator! };
}

async function loadImpl(spec: string): Promise<Impl> {
  const [name, dir] = spec.includes('=') ? spec.split('=', 2) : [spec, spec];
  // a build's modules from its directory, not this build's: two builds compared in one process
  const at = (f: string) => import(pathToFileURL(resolve(dir, f)).href);
  return {
    name,
    cutter: await at('body-cutter.js'),
    check: await at('chunk-check.js'),
    jobs: await at('submit.js').catch(() => at('jobs.js')),
  };
}

/** Three significant digits: 203, 45.1, 0.872. */
const ms3 = (ms: number) => String(Number(ms.toPrecision(3)));

const cpuMs = async (f: () => unknown): Promise<number> => {
  const before = process.cpuUsage();
  await f();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
};

/** What submitJob needs around it, doing nothing but encode as AvroCodec does (schema id 1). */
function quietSubmission() {
  const header = Buffer.from([0, 0, 0, 0, 1]);
  const encoder = (record: 'JobChunk' | 'JobEvent') => {
    const type = avroType(record);
    return (v: unknown) => Buffer.concat([header, type.toBuffer(v)]);
  };
  // a build before 0.8.0 put a job's chunks on the topic `jobs`
  const encoders = { apiJobs: encoder('JobChunk'), jobs: encoder('JobChunk'), jobEvents: encoder('JobEvent') };
  const nothing = async () => undefined;
  const store = { activeJobs: async () => [], create: nothing, markQueued: nothing, fail: nothing };
  const kafka = {
    producer: { send: nothing },
    codec: { encoder: async (topic: keyof typeof encoders) => encoders[topic] },
  };
  const topology = { topic: (name: string) => ({ name }) };
  return {
    store: store as unknown as JobStore,
    kafka: kafka as unknown as KafkaSide,
    topology: topology as unknown as Topology,
  };
}

async function main() {
  const mode = argValues('mode')[0] ?? 'stream';
  const contracts = Number(argValues('contracts')[0] ?? 160_000);
  const runs = Number(argValues('runs')[0] ?? 12);
  const warmups = Number(argValues('warmups')[0] ?? 1);
  const warmupContracts = Number(argValues('warmup-contracts')[0] ?? contracts);
  const specs = argValues('impl');
  const impls = await Promise.all(
    (specs.length ? specs : [`this=${new URL('../jobs/', import.meta.url).pathname}`]).map(loadImpl),
  );
  const { parse, valid } = await routeParserAndValidator();
  const input = (n: number) => {
    const text = bookBody(n, 'c');
    const parsed = mode === 'stream' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    return { text, body: Buffer.from(text), parsed };
  };
  const measured = input(contracts);
  const warmup = warmupContracts === contracts ? measured : input(warmupContracts);
  console.log(
    `${mode}: ${contracts} contracts, ${(measured.body.length / 1e6).toFixed(1)} MB, ${runs} runs per implementation`,
  );

  const { store, kafka, topology } = quietSubmission();
  const submitOptions = { client: 'bench', maxConcurrentJobs: 1, chunkSize: CHUNK_SIZE };

  /** One pass: the number of chunks and of ids (checked equal across implementations). */
  const pass = async (impl: Impl, { text, body, parsed }: ReturnType<typeof input>): Promise<string> => {
    if (mode === 'stream') {
      const check = { parse, valid: (cases: object) => valid(cases), quickCheck: impl.check.quickCheckCases };
      // the checks given flat too, as the cutter took them before api/jobs.ts used it (A/B across builds)
      const options = { chunkSize: CHUNK_SIZE, maxCases: 1_000_000, check, ...check };
      const cutter = new impl.cutter.BodyCutter(options);
      let chunks = 0;
      let cases = 0;
      for (let at = 0; at < body.length; at += PIECE)
        for (const c of cutter.push(body.subarray(at, at + PIECE))) {
          chunks++;
          cases += c.ids.length;
        }
      for (const c of cutter.end() ?? []) {
        chunks++;
        cases += c.ids.length;
      }
      if (cutter.irregular !== undefined) throw new Error(`${impl.name}: irregular: ${cutter.irregular}`);
      return `${chunks} chunks, ${cases} cases`;
    }
    const rawJson = mode === 'raw' ? text : undefined;
    const r = await impl.jobs.submitJob(parsed as never, store, kafka, topology, {
      ...submitOptions,
      rawJson,
    });
    return `${r.chunks} chunks, ${r.contracts} cases`;
  };

  const times = new Map(impls.map((i) => [i.name, [] as number[]]));
  let outcome: string | undefined;
  for (let w = 0; w < warmups; w++) for (const impl of impls) await pass(impl, warmup);
  for (let r = 0; r < runs; r++)
    for (const impl of r % 2 ? [...impls].reverse() : impls) {
      let got = '';
      times.get(impl.name)!.push(await cpuMs(async () => (got = await pass(impl, measured))));
      if (outcome !== undefined && got !== outcome) throw new Error(`${impl.name}: ${got}, not ${outcome}`);
      outcome = got;
    }
  console.log(outcome);
  for (const [name, ms] of times) {
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`${name}: CPU ms min ${ms3(sorted[0])} median ${ms3(median)}  (${ms.map(ms3).join(' ')})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
