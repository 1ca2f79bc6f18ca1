import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { avroSchema, avroType } from '../schemas/avro.js';
import type { ContractCashflows } from '../schemas/types.js';
import { decodeContractCashflows, encodeContractCashflows } from './avro-cashflows.js';
import { ContractEvent, evaluate, prepareContract, TimeSeriesObserver, type PreparedContract } from '../engine/index.js';
import { cashflowEvents } from './cashflow-events.js';
import { encodeSchedule } from './schedule-encoder.js';
import { benchContract } from '../bench/pipeline.js';
import { BENCH_TYPES } from '../bench/engine.js';
import { cashflowsValue, engineSchedule, expectLongsReadBack, rng } from '../test/support/cashflows-values.js';

const value = cashflowsValue;

describe('ContractCashflows fast codec', () => {
  const type = avroType('ContractCashflows');

  it('writes exactly the bytes avsc writes, and reads back what avsc reads', () => {
    const r = rng(42);
    for (let i = 0; i < 400; i++) {
      const v = value(r);
      const fast = encodeContractCashflows(77, v);
      expect(fast, `case ${i}`).toBeDefined();
      expect(fast!.readUInt8(0)).toBe(0);
      expect(fast!.readUInt32BE(1)).toBe(77);
      const body = fast!.subarray(5);
      expect(body.equals(type.toBuffer(v)), `case ${i}`).toBe(true);
      const decoded = decodeContractCashflows(fast!);
      expect(decoded).toEqual(type.fromBuffer(body));
      expect(Object.is(decoded.events[0]?.payoff, v.events[0]?.payoff)).toBe(true);
    }
  });

  it('reads every long back exactly, beyond 2^31 (zigzag values up to 2^53 and more)', () => {
    expectLongsReadBack(value(rng(2)), decodeContractCashflows);
  });

  it('reads arrays written in several blocks, with and without byte sizes', () => {
    const v = value(rng(11));
    const events = value(rng(3)).events.concat(value(rng(5)).events, value(rng(8)).events);
    expect(events.length).toBeGreaterThan(2);
    const eventType = avro.Type.forSchema(avroSchema('ContractCashflows').fields.find((f) => f.name === 'events')!.type as avro.Schema) as avro.types.ArrayType;
    const long = avro.Type.forSchema('long');
    const tail = Buffer.concat([
      avro.Type.forSchema(['null', 'string']).toBuffer(v.jobId),
      avro.Type.forSchema(['null', 'long']).toBuffer(v.requestedAtMs),
    ]);
    const empty = encodeContractCashflows(1, { ...v, events: [] })!;
    const before = empty.subarray(0, empty.length - tail.length - 1); // header + fields up to the array's final 0
    const first = Buffer.concat(events.slice(0, 2).map((e) => eventType.itemsType.toBuffer(e)));
    const rest = events.slice(2).map((e) => eventType.itemsType.toBuffer(e));
    const buf = Buffer.concat([before, long.toBuffer(-2), long.toBuffer(first.length), first, long.toBuffer(rest.length), ...rest, Buffer.from([0]), tail]);
    const decoded = decodeContractCashflows(buf);
    expect(decoded.events.length).toBe(events.length);
    expect(decoded).toEqual(avroType('ContractCashflows').fromBuffer(buf.subarray(5)));
  });

  it('refuses values that are not valid (the caller lets avsc name the fields)', () => {
    const v = value(rng(1));
    expect(encodeContractCashflows(1, { ...v, version: 1.5 })).toBeUndefined();
    expect(encodeContractCashflows(1, { ...v, version: Number.MAX_SAFE_INTEGER })).toBeUndefined();
    expect(encodeContractCashflows(1, { ...v, status: 'other' as never })).toBeUndefined();
    expect(encodeContractCashflows(1, { ...v, contractId: null as never })).toBeUndefined();
    expect(encodeContractCashflows(1, { ...v, jobId: undefined as never })).toBeUndefined();
    expect(encodeContractCashflows(1, { ...v, events: [{ eventDate: 'd', eventType: 'IP', currency: null, payoff: '1' as never, notionalPrincipal: null, nominalInterestRate: null, accruedInterest: null, exerciseDate: null, exerciseAmount: null }] })).toBeUndefined();
  });

  it('rejects truncated and trailing bytes', () => {
    const buf = encodeContractCashflows(1, value(rng(9)))!;
    expect(() => decodeContractCashflows(buf.subarray(0, buf.length - 1))).toThrow();
    expect(() => decodeContractCashflows(Buffer.concat([buf, Buffer.from([0])]))).toThrow();
  });

  describe('with events encoded straight from the engine (wire/schedule-encoder.ts)', () => {
    const engineEvents = engineSchedule;

    function expectSameAsAvsc(p: PreparedContract, events: ContractEvent[], v: ContractCashflows, label: string) {
      const encoded = encodeSchedule(p, events);
      expect(encoded, label).toBeDefined();
      const fast = encodeContractCashflows(77, { ...v, events: encoded! })!;
      const reference = { ...v, events: cashflowEvents(p, events) };
      expect(fast.subarray(5).equals(type.toBuffer(reference)), label).toBe(true);
      expect(fast.equals(encodeContractCashflows(77, reference)!), label).toBe(true);
    }

    it('writes exactly the bytes avsc writes for the same events (generated)', () => {
      const r = rng(7);
      for (let i = 0; i < 400; i++) {
        const { p, events } = engineEvents(r);
        expectSameAsAvsc(p, events, value(r), `case ${i}`);
      }
    });

    it('messages kept while others are encoded stay intact (slabs of several MB, no shared scratch)', () => {
      const p = prepareContract(benchContract(3, 0).terms);
      const events = evaluate(p, {});
      const kept = Array.from({ length: 600 }, (_, i) => {
        const v = { ...value(rng(i)), status: 'computed' as const };
        const encoded = encodeSchedule(p, events)!;
        return { v, message: encodeContractCashflows(5, { ...v, events: encoded })!, bytes: encoded.bytes };
      });
      expect(kept.reduce((n, k) => n + k.message.length + k.bytes.length, 0)).toBeGreaterThan(3 << 20);
      const reference = cashflowEvents(p, events);
      for (const { v, message } of kept) expect(message.subarray(5).equals(type.toBuffer({ ...v, events: reference }))).toBe(true);
    });

    it('writes exactly the bytes avsc writes for the bench book, every type', () => {
      const observer = new TimeSeriesObserver({ USD_LIBOR_3M: [{ time: Date.UTC(2000, 0, 1), value: 0.03 }], 'BENCH.TICK': [{ time: Date.UTC(2010, 0, 1), value: 0.02 }] });
      for (let i = 0; i < 2 * BENCH_TYPES.length; i++) {
        const p = prepareContract(benchContract(i, BENCH_TYPES.length).terms);
        const events = evaluate(p, { observer });
        expect(events.length).toBeGreaterThan(10);
        expectSameAsAvsc(p, events, { ...value(rng(i)), status: 'computed' }, `contract ${i}`);
      }
    });
  });
});
