// The calculator's CPU per contract, in process: the bench book (bench/pipeline-book.ts
// benchContract) through calculator.process and the ContractCashflows encoder, batch by batch
// as the runner hands them over, with the state read from memory (the documents as JSON text,
// as Redis returns them), 12 partitions' batches in hand at once as in the runner (each batch's
// results held a moment for its effects). No Kafka, no Redis: what is left is the processor's
// own work (terms parsing, the engine, the result's events, fingerprint, Avro encoding) and its GC.
//   node dist/bench/calculator.js [contracts=20000] [passes=3]
import { pathToFileURL } from 'node:url';
import { calculator } from '../processors/calculator.js';
import { encodeContractCashflows } from '../wire/avro-cashflows.js';
import { dependenciesOf } from '../engine/index.js';
import type { RecalcRequest } from '../schemas/types.js';
import type { Schedule } from '../wire/schedule.js';
import type { Holding, MarketSeries, PublishedResult, StateReader, StoredContract, StoredPosition } from '../state/model.js';
import type { InputRecord, ProcessorContext } from '../processors/processor.js';
import { benchContract, TICK_CODE, TICK_CONTRACTS } from './pipeline-book.js';
import { gcTime } from './harness.js';

const BATCH = 250;
const PARTITIONS = 12;
const EFFECTS_MS = 20;
/** A store read's round trip: the other partitions compute meanwhile (as they do around Redis). */
const READ_MS = 2;
const roundTrip = () => new Promise((resolve) => setTimeout(resolve, READ_MS));

/** A StateReader over documents kept as JSON text: contracts() parses them as the Redis store does. */
class BookState implements StateReader {
  constructor(
    private readonly docs: Map<string, string>,
    private readonly market: Map<string, MarketSeries>,
  ) {}
  async contracts(ids: readonly string[]): Promise<Map<string, StoredContract>> {
    await roundTrip();
    const out = new Map<string, StoredContract>();
    for (const id of ids) {
      const d = this.docs.get(id);
      if (d !== undefined) out.set(id, JSON.parse(d) as StoredContract);
    }
    return out;
  }
  async series(codes: readonly string[]): Promise<Map<string, MarketSeries>> {
    await roundTrip();
    const out = new Map<string, MarketSeries>();
    for (const c of codes) {
      const s = this.market.get(c);
      if (s) out.set(c, { ...s, points: s.points.map((p) => ({ ...p })) });
    }
    return out;
  }
  async dependents(): Promise<Map<string, string[]>> {
    return new Map();
  }
  async dependenciesOfContracts(): Promise<Map<string, string[]>> {
    return new Map();
  }
  async published(): Promise<Map<string, PublishedResult>> {
    await roundTrip();
    return new Map();
  }
  async positions(): Promise<Map<string, StoredPosition>> {
    return new Map();
  }
  async holdings(): Promise<Map<string, Holding[]>> {
    return new Map();
  }
}

export interface CalculatorBenchResult {
  contracts: number;
  cpuSeconds: number;
  wallSeconds: number;
  cpuMsPer1000: number;
  gcMsPer1000: number;
  bytes: number;
}

export async function runCalculatorBench(contracts: number, log: (s: string) => void = () => {}, passes = 3): Promise<CalculatorBenchResult[]> {
  const docs = new Map<string, string>();
  const codes = new Set<string>([TICK_CODE]);
  const ids: string[] = [];
  for (let i = 0; i < contracts; i++) {
    const c = benchContract(i, Math.min(TICK_CONTRACTS, contracts));
    for (const d of dependenciesOf(c.terms)) codes.add(d);
    const stored: StoredContract = { contractId: c.id, contractType: c.type, terms: JSON.stringify(c.terms), termsVersion: 100 + i, deleted: false, updatedAt: null, sourceTsMs: 0, events: {}, version: 100 + i };
    docs.set(c.id, JSON.stringify(stored));
    ids.push(c.id);
  }
  const market = new Map<string, MarketSeries>();
  for (const code of codes) {
    const point = code === TICK_CODE ? { observedAt: '2010-01-01T00:00:00', timeMs: Date.UTC(2010, 0, 1), value: 0.02, version: 50 } : { observedAt: '2000-01-01T00:00:00', timeMs: Date.UTC(2000, 0, 1), value: 0.03, version: 10 };
    market.set(code, { code, points: [point], version: point.version });
  }
  const ctx: ProcessorContext = {
    state: new BookState(docs, market),
    now: () => 1_700_000_000_000,
    horizon: 'P30Y',
    database: () => Promise.reject(new Error('no database in the calculator bench')),
  };
  const results: CalculatorBenchResult[] = [];
  const gc = gcTime();
  for (let pass = 0; pass < passes; pass++) {
    let bytes = 0;
    const cpu0 = process.cpuUsage();
    const gc0 = gc.ms;
    const t0 = performance.now();
    // PARTITIONS batches in hand at once, as the runner has them: each batch's encoded results
    // are held for EFFECTS_MS (produce, state writes) while the other partitions compute
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += BATCH) batches.push(ids.slice(i, i + BATCH));
    let next = 0;
    const partition = async () => {
      while (next < batches.length) {
        const i = next++;
        const records: InputRecord[] = batches[i].map((id, k) => {
          const value: RecalcRequest = { contractId: id, cause: 'manual', version: 0, marketObjectCode: null, asOf: null, jobId: null, requestedAtMs: 1_700_000_000_000 + i * BATCH + k };
          return { topic: 'recalcRequests', topicName: 'recalc', partition: 0, offset: String(i * BATCH + k), key: id, rawKey: null, rawValue: null, timestampMs: 0, change: null, value };
        });
        const out = await calculator.process(records, ctx);
        const produced: Buffer[] = [];
        for (const o of out.outputs) {
          const v = o.value as Schedule;
          const buf = encodeContractCashflows(1, v);
          if (!buf) throw new Error(`the fast encoder refused ${v.contractId}`);
          produced.push(buf);
          bytes += buf.length;
        }
        await new Promise((resolve) => setTimeout(resolve, EFFECTS_MS));
        produced.length = 0;
      }
    };
    await Promise.all(Array.from({ length: PARTITIONS }, partition));
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    await new Promise((resolve) => setImmediate(resolve)); // the GC entries of the pass
    const gcMs = gc.ms - gc0;
    const r = { contracts, cpuSeconds, wallSeconds, cpuMsPer1000: (cpuSeconds * 1e6) / contracts, gcMsPer1000: (gcMs * 1000) / contracts, bytes };
    log(`pass ${pass + 1}: ${contracts} contracts, ${bytes} bytes; CPU ${cpuSeconds.toFixed(2)} s (${r.cpuMsPer1000.toFixed(0)} ms per 1,000 contracts, GC pauses ${r.gcMsPer1000.toFixed(0)} ms), wall ${wallSeconds.toFixed(2)} s`);
    results.push(r);
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const contracts = Number(process.argv[2] ?? 20000);
  const passes = Number(process.argv[3] ?? 3);
  await runCalculatorBench(contracts, (s) => console.log(s), passes);
}
