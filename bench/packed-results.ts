// A job chunk's results stored and read, in process (wire/packed-results.ts, as the job-worker
// and GET /v1/jobs/:id/result use it): 1,000 contracts of the benchmark book (demo/synthetic-book.ts
// bookContract) computed once, then for each run: pack (ResultsPacker.add of every case, then
// finish), deflate (what jobs/job-store.ts completeChunk stores), read (inflate, unpack and render
// the JSON). CPU ms (process.cpuUsage, user + system) of each, min and median, and the sizes.
// No Kafka, no Redis.
//
//   npm run build
//   node dist/bench/packed-results.js [--type PAM --type ANN …] [--contracts 1000] [--runs 30]
//        [--impl name=dir ...]
//
// --impl loads packed-results.js from a directory (default: this build's dist/wire; an older build's dist/api) and, given
// more than once, runs the implementations interleaved (A/B/B/A…) so that both see the same
// machine; a build without deflatePacked is stored as it was then (deflateRawSync, level 1).
// The rendered JSON is checked equal across implementations.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type * as PackedResults from '../wire/packed-results.js';
import { JsonBytes } from '../engine/index.js';
import { computeCase, type ComputedCase } from '../engine/index.js';
import { BENCH_TYPES, bookContract, type BenchType } from '../demo/synthetic-book.js';
import { argValues } from './harness.js';

type PackedResultsModule = typeof PackedResults;

interface Impl {
  name: string;
  module: PackedResultsModule;
  packer: InstanceType<PackedResultsModule['ResultsPacker']>;
  deflate: (packed: Uint8Array) => Buffer;
}

async function loadImpl(spec: string): Promise<Impl> {
  const [name, dir] = spec.includes('=') ? spec.split('=', 2) : [spec, spec];
  // a build's module from its directory, not this build's: two builds compared in one process
  const module = (await import(pathToFileURL(resolve(dir, 'packed-results.js')).href)) as PackedResultsModule;
  const deflate = module.deflatePacked ?? ((packed: Uint8Array) => deflateRawSync(packed, { level: 1 }));
  return { name, module, packer: new module.ResultsPacker(), deflate };
}

const cpuMs = (f: () => void): number => {
  const before = process.cpuUsage();
  f();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
};

const WARM_UP = 10;

const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} KB`;

const minMedian = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return `${sorted[0].toFixed(2)} / ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}`;
};

interface Run {
  pack: number[];
  deflate: number[];
  read: number[];
  packedBytes: number;
  stored: Buffer;
  json: string;
}

/** One chunk packed and stored by `impl`: the run's figures. */
function store(impl: Impl, ids: readonly string[], results: readonly ComputedCase[], run: Run): void {
  let packed: Uint8Array = new Uint8Array(0);
  run.pack.push(
    cpuMs(() => {
      for (let i = 0; i < ids.length; i++) impl.packer.add(ids[i], results[i]);
      packed = impl.packer.finish();
    }),
  );
  run.deflate.push(cpuMs(() => (run.stored = impl.deflate(packed))));
  run.packedBytes = packed.length;
}

/** The stored chunk read by `impl` (inflated, unpacked, rendered): the run's figures. */
function read(impl: Impl, run: Run): void {
  let w = new JsonBytes(16);
  run.read.push(
    cpuMs(() => {
      const p = impl.module.unpackResults(inflateRawSync(run.stored));
      w = new JsonBytes(p.time.length * 180 + p.ids.length * 64 + 16);
      impl.module.writeResultsJson(w, p, false);
    }),
  );
  run.json = w.toString();
}

async function main() {
  const types = argValues('type') as BenchType[];
  const contracts = Number(argValues('contracts')[0] ?? 1000);
  const runs = Number(argValues('runs')[0] ?? 30);
  const specs = argValues('impl');
  const impls = await Promise.all(
    (specs.length ? specs : [`this=${new URL('../wire/', import.meta.url).pathname}`]).map(loadImpl),
  );
  /** Runs of each implementation, interleaved (A B B A …), after WARM_UP runs not counted. */
  const interleaved = (run: (impl: Impl) => void, clear: () => void) => {
    for (let r = 0; r < WARM_UP; r++) for (const impl of impls) run(impl);
    clear();
    for (let r = 0; r < runs; r++) for (const impl of r % 2 ? [...impls].reverse() : impls) run(impl);
  };
  for (const type of types.length ? types : BENCH_TYPES.filter((t) => t !== 'SWPPV')) {
    const ids = Array.from({ length: contracts }, (_, i) => `${type.toLowerCase()}-${i}`);
    const results = ids.map((_, i) => computeCase({ terms: bookContract(type, i) }));
    const events = results.reduce((n, r) => n + ('error' in r ? 0 : r.events.length), 0);
    const figures = new Map<string, Run>(
      impls.map((i) => [
        i.name,
        { pack: [], deflate: [], read: [], packedBytes: 0, stored: Buffer.alloc(0), json: '' },
      ]),
    );
    const of = (impl: Impl) => figures.get(impl.name)!;
    // stored, then read: rendering a chunk (7 MB of JSON for PAM) between one implementation's
    // pack and the other's would flush the caches the packer finds its events in
    interleaved(
      (impl) => store(impl, ids, results, of(impl)),
      () => figures.forEach((f) => (f.pack.length = f.deflate.length = 0)),
    );
    interleaved(
      (impl) => read(impl, of(impl)),
      () => figures.forEach((f) => (f.read.length = 0)),
    );
    console.log(`${type}: ${contracts} contracts, ${events} events; CPU ms min / median of ${runs} runs`);
    const first = figures.get(impls[0].name)!.json;
    for (const [name, f] of figures) {
      if (f.json !== first) throw new Error(`${type}: ${name} renders other JSON than ${impls[0].name}`);
      const both = f.pack.map((p, i) => p + f.deflate[i]);
      console.log(
        `  ${name.padEnd(8)} pack ${minMedian(f.pack)}  deflate ${minMedian(f.deflate)}  pack+deflate ${minMedian(both)}` +
          `  read ${minMedian(f.read)}  packed ${kb(f.packedBytes)}, stored ${kb(f.stored.length)}`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
