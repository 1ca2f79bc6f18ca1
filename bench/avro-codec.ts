// The ContractCashflows codec of the bench book, in process: the hand-written writer against
// avsc's compiled type, decoding against avsc's, and the sink's path (scan, events left encoded,
// then COPY binary from their bytes) against decoding them first. Microseconds per schedule,
// median of 7 timed passes over 2,000 schedules (~167,000 events). No Kafka, no database.
//   node dist/bench/avro-codec.js
import { pathToFileURL } from 'node:url';
import avro from 'avsc';
import { cashflowCopyBinary } from '../wire/copy-binary.js';
import { evaluate, prepareContract, TimeSeriesObserver } from '../engine/index.js';
import { avroSchema, avroType } from '../schemas/avro.js';
import type { ContractCashflows } from '../schemas/types.js';
import { decodeContractCashflows, encodeContractCashflows, scanContractCashflows } from '../wire/avro-cashflows.js';
import { cashflowEvents } from '../wire/cashflow-events.js';
import { decodedSchedule, decodeEncodedEvents, isEncoded, type EncodedEvents } from '../wire/schedule.js';
import { benchContract } from './pipeline.js';

export function runAvroCodecBench(log: (s: string) => void = console.log, schedules = 2000): void {
  const type = avroType('ContractCashflows');
  const eventsType = avro.Type.forSchema(avroSchema('ContractCashflows').fields.find((f) => f.name === 'events')!.type as avro.Schema);
  const observer = new TimeSeriesObserver({ USD_LIBOR_3M: [{ time: Date.UTC(2000, 0, 1), value: 0.03 }], 'BENCH.TICK': [{ time: Date.UTC(2010, 0, 1), value: 0.02 }] });
  const values: ContractCashflows[] = [];
  for (let i = 0; i < schedules; i++) {
    const p = prepareContract(benchContract(i, 100).terms);
    values.push({ contractId: `C${i}`, contractType: 'PAM', version: 100 + i, fingerprint: 'abcdef0123456789', status: 'computed', reason: null, computedAt: '2026-01-01T00:00:00', events: cashflowEvents(p, evaluate(p, { observer })), jobId: null, requestedAtMs: 1_700_000_000_000 });
  }
  const messages = values.map((v) => encodeContractCashflows(1, v)!);
  const events = values.reduce((n, v) => n + v.events.length, 0);
  const time = (label: string, f: () => void) => {
    for (let w = 0; w < 3; w++) f();
    const runs: number[] = [];
    for (let k = 0; k < 7; k++) {
      const t0 = performance.now();
      f();
      runs.push(performance.now() - t0);
    }
    runs.sort((a, b) => a - b);
    log(`${label.padEnd(44)} ${((runs[3] * 1000) / values.length).toFixed(1).padStart(7)} µs per schedule (median of 7, ${values.length} schedules, ${events} events)`);
  };
  time('encode: hand-written', () => values.forEach((v) => encodeContractCashflows(1, v)));
  time('encode: avsc compiled type (toBuffer)', () => values.forEach((v) => type.toBuffer(v)));
  time('decode: scan + events by avsc', () => messages.forEach((m) => decodeContractCashflows(m)));
  time('decode: avsc compiled type (fromBuffer)', () => messages.forEach((m) => type.fromBuffer(m.subarray(5))));
  time('scan, events left encoded', () => messages.forEach((m) => scanContractCashflows(m)));
  const scanned = messages.map((m) => scanContractCashflows(m));
  const decoded = scanned.map((s) => decodedSchedule(s));
  const batches = <T>(xs: T[], f: (batch: T[]) => void) => {
    for (let i = 0; i < xs.length; i += 250) f(xs.slice(i, i + 250));
  };
  time('sink COPY binary from encoded events', () => batches(scanned, cashflowCopyBinary));
  time('sink COPY binary from decoded events', () => batches(decoded, cashflowCopyBinary));
  time('sink: scan + COPY binary', () => batches(messages.map((m) => scanContractCashflows(m)), cashflowCopyBinary));
  const bytes = scanned.map((s) => (isEncoded(s.events) ? s.events : ({ bytes: new Uint8Array(1), count: 0 } as EncodedEvents)).bytes);
  time('events bytes: decodeEncodedEvents (avsc)', () => bytes.forEach((b) => decodeEncodedEvents(b)));
  time('events bytes: avsc compiled array type', () => bytes.forEach((b) => eventsType.fromBuffer(Buffer.from(b.buffer, b.byteOffset, b.byteLength))));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runAvroCodecBench();
