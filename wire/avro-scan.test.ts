import { describe, expect, it } from 'vitest';
import { avroType } from '../schemas/avro.js';
import type { CashflowEvent, ContractCashflows } from '../schemas/types.js';
import { cashflowsValue, expectLongsReadBack, inTwoBlocks, rng } from '../test/support/cashflows-values.js';
import { decodeContractCashflows, encodeContractCashflows, scanContractCashflows } from './avro-cashflows.js';
import { decodedEvents, decodedSchedule, eventCount, isEncoded, type EncodedEvents } from './schedule.js';

const encodedEventsOf = (s: { events: CashflowEvent[] | EncodedEvents }) => (isEncoded(s.events) ? s.events : undefined);

describe('ContractCashflows with the events left encoded', () => {
  it('has the decoded value, key order included, once its events are decoded', () => {
    const r = rng(7);
    let encodedSeen = 0;
    for (let i = 0; i < 400; i++) {
      const buf = encodeContractCashflows(5, cashflowsValue(r))!;
      const expected = avroType('ContractCashflows').fromBuffer(buf.subarray(5)) as ContractCashflows; // avsc: an independent reader
      const scanned = scanContractCashflows(buf);
      const encoded = encodedEventsOf(scanned);
      expect(eventCount(scanned)).toBe(expected.events.length);
      if (expected.events.length > 0) {
        expect(encoded, `case ${i}`).toBeDefined();
        expect(encoded!.count).toBe(expected.events.length);
        encodedSeen++;
      } else expect(encoded).toBeUndefined();
      const decoded = decodedSchedule(scanned);
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(expected));
      expect({ ...decoded }).toEqual({ ...expected });
      expect(encodedEventsOf(scanned)).toBe(encoded); // decoding leaves the scanned value as it was
    }
    expect(encodedSeen).toBeGreaterThan(100);
  });

  it('reads every long back exactly, beyond 2^31', () => {
    expectLongsReadBack(cashflowsValue(rng(2)), scanContractCashflows);
  });

  it('re-encodes the encoded events as they are, and the objects they decode to as the same bytes', () => {
    const v = { ...cashflowsValue(rng(3)), status: 'computed' as const };
    v.events = [...v.events, ...cashflowsValue(rng(4)).events];
    const message = encodeContractCashflows(1, v)!;
    const scanned = scanContractCashflows(message);
    expect(encodedEventsOf(scanned)).toBeDefined();
    expect(encodeContractCashflows(1, scanned)!.equals(message)).toBe(true);
    expect(encodeContractCashflows(1, decodedSchedule(scanned))!.equals(message)).toBe(true);
  });

  it('keeps arrays written in several blocks encoded too', () => {
    const v = { ...cashflowsValue(rng(11)), events: cashflowsValue(rng(3)).events.concat(cashflowsValue(rng(5)).events) };
    const buf = inTwoBlocks(v);
    const scanned = scanContractCashflows(buf);
    expect(encodedEventsOf(scanned)?.count).toBe(v.events.length);
    expect(decodedSchedule(scanned)).toEqual(avroType('ContractCashflows').fromBuffer(buf.subarray(5)));
    expect(decodedEvents(scanned).length).toBe(v.events.length);
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
