import { describe, expect, it } from 'vitest';
import { avroType } from '../schemas/avro.js';
import type { ContractCashflows } from '../schemas/types.js';
import { cashflowsValue, inTwoBlocks, LONGS, rng } from '../test/support/cashflows-values.js';
import { decodeContractCashflows, encodeContractCashflows, encodedEventsOf, eventCountOf, scanContractCashflows } from './fast-avro.js';

describe('ContractCashflows with the events left encoded', () => {
  it('has the decoded value, key order included, and decodes the events on first access', () => {
    const r = rng(7);
    let encodedSeen = 0;
    for (let i = 0; i < 400; i++) {
      const buf = encodeContractCashflows(5, cashflowsValue(r))!;
      const expected = avroType('ContractCashflows').fromBuffer(buf.subarray(5)) as ContractCashflows; // avsc: an independent reader
      const scanned = scanContractCashflows(buf);
      const encoded = encodedEventsOf(scanned);
      expect(eventCountOf(scanned)).toBe(expected.events.length);
      if (expected.events.length > 0) {
        expect(encoded, `case ${i}`).toBeDefined();
        expect(encoded!.count).toBe(expected.events.length);
        encodedSeen++;
      } else expect(encoded).toBeUndefined();
      expect(JSON.stringify(scanned)).toBe(JSON.stringify(expected)); // reads `events`
      expect(encodedEventsOf(scanned)).toBeUndefined(); // decoded now: the objects are the truth
      expect({ ...scanned }).toEqual({ ...expected });
    }
    expect(encodedSeen).toBeGreaterThan(100);
  });

  it('reads every long back exactly, beyond 2^31', () => {
    const v = cashflowsValue(rng(2));
    // beyond ±2^52 the encoder, like avsc's, rounds 2|n| + 1 for negative n: the decoders are exact
    for (const n of [...LONGS.filter((x) => Math.abs(x) <= 2 ** 52), 2 ** 52 - 1, -(2 ** 52) + 1]) {
      const scanned = scanContractCashflows(encodeContractCashflows(1, { ...v, version: n, requestedAtMs: n === 0 ? 0 : -n })!);
      expect([scanned.version, scanned.requestedAtMs]).toEqual([n, n === 0 ? 0 : -n]);
    }
  });

  it('replacing the events drops the encoded bytes', () => {
    const v = { ...cashflowsValue(rng(3)), status: 'computed' as const };
    v.events = [...v.events, ...cashflowsValue(rng(4)).events];
    const scanned = scanContractCashflows(encodeContractCashflows(1, v)!);
    expect(encodedEventsOf(scanned)).toBeDefined();
    scanned.events = [];
    expect(encodedEventsOf(scanned)).toBeUndefined();
    expect(eventCountOf(scanned)).toBe(0);
  });

  it('keeps arrays written in several blocks encoded too', () => {
    const v = { ...cashflowsValue(rng(11)), events: cashflowsValue(rng(3)).events.concat(cashflowsValue(rng(5)).events) };
    const buf = inTwoBlocks(v);
    const scanned = scanContractCashflows(buf);
    expect(encodedEventsOf(scanned)?.count).toBe(v.events.length);
    expect(scanned).toEqual(avroType('ContractCashflows').fromBuffer(buf.subarray(5)));
    expect(scanned.events.length).toBe(v.events.length);
  });

  it('refuses what decodeContractCashflows refuses', () => {
    const v = { ...cashflowsValue(rng(9)), events: cashflowsValue(rng(10)).events.concat(cashflowsValue(rng(13)).events) };
    const buf = encodeContractCashflows(1, v)!;
    expect(v.events.length).toBeGreaterThan(0);
    for (let cut = 5; cut < buf.length; cut += Math.max(1, Math.floor(buf.length / 50))) {
      expect(() => decodeContractCashflows(buf.subarray(0, cut))).toThrow();
      expect(() => scanContractCashflows(buf.subarray(0, cut)), `cut at ${cut}`).toThrow(RangeError);
    }
    expect(() => scanContractCashflows(Buffer.concat([buf, Buffer.from([0])]))).toThrow(/trailing/);
    const badStatus = Buffer.from(encodeContractCashflows(1, { ...v, contractId: 'a', contractType: null, fingerprint: null, version: 1 })!);
    // header: id "a" (02 61), null type (00), version 1 (02), null fingerprint (00), then the status
    badStatus[5 + 5] = 6;
    expect(() => decodeContractCashflows(badStatus)).toThrow(/enum/);
    expect(() => scanContractCashflows(badStatus)).toThrow(/enum/);
  });
});
