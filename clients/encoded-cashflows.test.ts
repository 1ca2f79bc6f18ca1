import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { avroSchema, avroType } from '../schemas/avro.js';
import { cashflowsValue, rng } from '../test/support/cashflows-values.js';
import { encodedEventsOf, eventCountOf, scanContractCashflows } from './encoded-cashflows.js';
import { decodeContractCashflows, encodeContractCashflows } from './fast-avro.js';

describe('ContractCashflows with the events left encoded', () => {
  it('has the decoded value, key order included, and decodes the events on first access', () => {
    const r = rng(7);
    let encodedSeen = 0;
    for (let i = 0; i < 400; i++) {
      const buf = encodeContractCashflows(5, cashflowsValue(r))!;
      const expected = decodeContractCashflows(buf);
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
      expect(scanned).toEqual(expected);
    }
    expect(encodedSeen).toBeGreaterThan(100);
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

  it('reads arrays in several blocks as plain events', () => {
    const v = cashflowsValue(rng(11));
    const events = cashflowsValue(rng(3)).events.concat(cashflowsValue(rng(5)).events);
    expect(events.length).toBeGreaterThan(2);
    const eventsType = avro.Type.forSchema(avroSchema('ContractCashflows').fields.find((f) => f.name === 'events')!.type as avro.Schema) as avro.types.ArrayType;
    const long = avro.Type.forSchema('long');
    const empty = encodeContractCashflows(1, { ...v, events: [] })!;
    const tail = Buffer.concat([avro.Type.forSchema(['null', 'string']).toBuffer(v.jobId), avro.Type.forSchema(['null', 'long']).toBuffer(v.requestedAtMs)]);
    const before = empty.subarray(0, empty.length - tail.length - 1);
    const items = events.map((e) => eventsType.itemsType.toBuffer(e));
    const buf = Buffer.concat([before, long.toBuffer(1), items[0], long.toBuffer(-(items.length - 1)), long.toBuffer(Buffer.concat(items.slice(1)).length), ...items.slice(1), Buffer.from([0]), tail]);
    const scanned = scanContractCashflows(buf);
    expect(encodedEventsOf(scanned)).toBeUndefined();
    expect(scanned).toEqual(avroType('ContractCashflows').fromBuffer(buf.subarray(5)));
    expect(scanned.events.length).toBe(events.length);
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
