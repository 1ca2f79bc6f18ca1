import { describe, expect, it } from 'vitest';
import { ContractEvent, evaluate, prepareContract, TimeSeriesObserver } from '../engine/index.js';
import { benchContract } from '../bench/pipeline.js';
import { BENCH_TYPES } from '../bench/engine.js';
import { encodeContractCashflows, scanContractCashflows } from './avro-cashflows.js';
import type { ContractCashflows } from '../schemas/types.js';
import { cashflowEvents } from './cashflow-events.js';
import { fingerprintOfCashflowEvents, fingerprintOfEvents, fingerprintOfOutcome } from './fingerprint.js';
import { decodedEvents, decodedSchedule } from './schedule.js';
import { encodeSchedule, scheduleFingerprint } from './schedule-encoder.js';
import { engineSchedule, rng } from '../test/support/cashflows-values.js';

const generated = engineSchedule;

const observer = new TimeSeriesObserver({ USD_LIBOR_3M: [{ time: Date.UTC(2000, 0, 1), value: 0.03 }], 'BENCH.TICK': [{ time: Date.UTC(2010, 0, 1), value: 0.02 }] });

describe('encodeSchedule', () => {
  it("gives today's fingerprint (fingerprintOfEvents) for the same schedule: a deploy republishes nothing", () => {
    const r = rng(5);
    for (let i = 0; i < 300; i++) {
      const { p, events } = generated(r);
      expect(encodeSchedule(p, events)!.fingerprint, `case ${i}`).toBe(fingerprintOfEvents(p, events));
      expect(scheduleFingerprint(p, events), `case ${i} without bytes`).toBe(fingerprintOfEvents(p, events));
    }
    for (let i = 0; i < 3 * BENCH_TYPES.length; i++) {
      const p = prepareContract(benchContract(i, BENCH_TYPES.length).terms);
      const events = evaluate(p, { observer });
      expect(encodeSchedule(p, events)!.fingerprint, `contract ${i}`).toBe(fingerprintOfEvents(p, events));
      expect(scheduleFingerprint(p, events), `contract ${i} without bytes`).toBe(fingerprintOfEvents(p, events));
    }
  });

  it('encodes the same bytes after a fingerprint without bytes (they share the scratch buffers)', () => {
    const ps = [0, 1, 2].map((i) => prepareContract(benchContract(i, BENCH_TYPES.length).terms));
    const alone = ps.map((p) => Buffer.from(encodeSchedule(p, evaluate(p, { observer }))!.bytes));
    ps.forEach((p, i) => {
      const events = evaluate(p, { observer });
      scheduleFingerprint(ps[(i + 1) % ps.length], evaluate(ps[(i + 1) % ps.length], { observer }));
      expect(Buffer.from(encodeSchedule(p, events)!.bytes)).toEqual(alone[i]);
    });
  });

  it('gives the fingerprints published before it existed (computed by the calculator of 55a9bca)', () => {
    // indexes 1 and 3 are ANN and NAM: the annuity re-derived from the spec (engine/contracts/annuity.ts) moves
    // its principal payments in the last bit (1959.5276183460905 → 1959.52761834609), so their
    // fingerprints are the ones the engine gives since; the others are as 55a9bca published them
    const before = ['e723887a47260922', '25dbc848088ff5cb', '7ac2d2f831ca349f', 'cf330fa7692d974b', '50853b28470f256b', '41c717c5375a3f47'];
    before.forEach((fingerprint, i) => {
      const p = prepareContract(benchContract(i, 5).terms);
      expect(encodeSchedule(p, evaluate(p, { observer }))!.fingerprint).toBe(fingerprint);
      expect(scheduleFingerprint(p, evaluate(p, { observer }))).toBe(fingerprint);
    });
    expect(fingerprintOfOutcome('waiting', 'missing USD')).toBe('a196f40900accf13');
  });

  it('tells schedules apart that differ in one field, one date, or the order of two events', () => {
    const p = prepareContract(benchContract(1, 0).terms);
    const events = evaluate(p, { observer });
    const base = encodeSchedule(p, events)!.fingerprint;
    const copy = () => evaluate(p, { observer });
    const a = copy();
    a[3].accruedInterest += 1e-9;
    const b = copy();
    b.splice(4, 1, new ContractEvent(b[4].time + 86_400_000, b[4].type, b[4].calcTime, b[4].scheduleTime, b[4].rank, b[4].currency));
    Object.assign(b[4], { payoff: events[4].payoff, notionalPrincipal: events[4].notionalPrincipal, nominalInterestRate: events[4].nominalInterestRate, accruedInterest: events[4].accruedInterest });
    const c = copy();
    [c[5], c[6]] = [c[6], c[5]];
    for (const changed of [a, b, c]) expect(encodeSchedule(p, changed)!.fingerprint).not.toBe(base);
  });

  it('a schedule carrying the encoded events decodes to the reference events, and encodes as they do', () => {
    const p = prepareContract(benchContract(2, 0).terms);
    const events = evaluate(p, { observer });
    const fields: ContractCashflows = { contractId: 'c', contractType: 'ANN', version: 7, fingerprint: 'f', status: 'computed', reason: null, computedAt: '2026-01-01T00:00:00', events: [], jobId: null, requestedAtMs: 1 };
    const v = { ...fields, events: encodeSchedule(p, events)! };
    const decoded = decodedSchedule(v);
    expect(Object.keys(decoded)).toEqual(Object.keys(fields));
    expect(decoded).toEqual({ ...fields, events: cashflowEvents(p, events) });
    expect(encodeContractCashflows(3, v)!.equals(encodeContractCashflows(3, { ...fields, events: cashflowEvents(p, events) })!)).toBe(true);
  });

  it('gives the same fingerprint on the encoded path and on the decoded path (the published events, read back)', () => {
    const fields: ContractCashflows = { contractId: 'c', contractType: null, version: 1, fingerprint: null, status: 'computed', reason: null, computedAt: '', events: [], jobId: null, requestedAtMs: null };
    const check = (p: Parameters<typeof encodeSchedule>[0], events: ContractEvent[], label: string) => {
      const encoded = encodeSchedule(p, events)!;
      const read = scanContractCashflows(encodeContractCashflows(1, { ...fields, events: encoded })!);
      expect(fingerprintOfCashflowEvents(decodedEvents(read)), label).toBe(encoded.fingerprint);
      expect(fingerprintOfCashflowEvents(cashflowEvents(p, events)), label).toBe(encoded.fingerprint);
    };
    const r = rng(17);
    for (let i = 0; i < 300; i++) {
      const { p, events } = generated(r);
      check(p, events, `case ${i}`);
    }
    for (let i = 0; i < 3 * BENCH_TYPES.length; i++) {
      const p = prepareContract(benchContract(i, BENCH_TYPES.length).terms);
      check(p, evaluate(p, { observer }), `contract ${i}`);
    }
    expect(fingerprintOfCashflowEvents([{ ...cashflowEvents(prepareContract(benchContract(0, 0).terms), [new ContractEvent(0, 'IP', 0, 0, 0, 'USD')])[0], eventDate: 'not a date' }])).toBeUndefined();
  });

  it('leaves to the reference path what it does not handle; writes any date as the reference does', () => {
    const { p, events } = generated(rng(1));
    const odd = events.concat(new ContractEvent(Date.UTC(2020, 0, 1), 'IP', 0, 0, 0, undefined as never));
    expect(encodeSchedule(p, odd)).toBeUndefined();
    // dates outside years 0–9999 (longer texts) as the reference writes them
    const far = [1e17, -1e15, 3e14, Date.UTC(2020, 0, 1) + 1].map((t) => new ContractEvent(t, 'IP', 0, 0, 0, 'USD'));
    const fields: ContractCashflows = { contractId: 'c', contractType: null, version: 1, fingerprint: null, status: 'computed', reason: null, computedAt: '', events: [], jobId: null, requestedAtMs: null };
    expect(encodeContractCashflows(1, { ...fields, events: encodeSchedule(p, far)! })).toEqual(encodeContractCashflows(1, { ...fields, events: cashflowEvents(p, far) }));
    expect(encodeSchedule(p, [])).toEqual({ bytes: Buffer.from([0]), count: 0, fingerprint: fingerprintOfEvents(p, []) });
  });
});
