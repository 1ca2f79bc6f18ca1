// Generated ContractCashflows values of many shapes (strings of every UTF-8 width, the double
// and long extremes, nulls, empty and long schedules) from a seeded PRNG: the same cases each run.
import avro from 'avsc';
import { expect } from 'vitest';
import { encodeContractCashflows } from '../../wire/avro-cashflows.js';
import { avroSchema } from '../../schemas/avro.js';
import type { CashflowEvent, ContractCashflows } from '../../schemas/types.js';
import { ContractEvent, type EventType, type PreparedContract } from '../../engine/index.js';

/** A small deterministic PRNG (LCG) in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const STRINGS = ['', 'a', 'PAM', '2026-01-31T00:00:00', 'é', 'contract-äöü-€-𝄞', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(300), 'ASCII then é'];
export const NUMBERS = [0, -0, 1, -1, 0.1, 1e300, -1e-300, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 123456.789];
export const LONGS = [0, 1, -1, 63, 64, -64, -65, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1, 2 ** 31, 2 ** 40 + 3, -(2 ** 45), 2 ** 53 - 2, -(2 ** 53) + 2];

/**
 * Expects `read` to give back every long of LONGS the encoder writes exactly, written as the
 * version and (negated) requestedAtMs of `v`: beyond ±2^52 the encoder, like avsc's, rounds
 * 2|n| + 1 for negative n; the decoders are exact.
 */
export function expectLongsReadBack(
  v: ContractCashflows,
  read: (bytes: Buffer) => { version: number; requestedAtMs: number | null },
): void {
  for (const n of [...LONGS.filter((x) => Math.abs(x) <= 2 ** 52), 2 ** 52 - 1, -(2 ** 52) + 1]) {
    const back = read(encodeContractCashflows(1, { ...v, version: n, requestedAtMs: n === 0 ? 0 : -n })!);
    expect([back.version, back.requestedAtMs]).toEqual([n, n === 0 ? 0 : -n]);
  }
}

/** One value; `dates` replaces the event dates' pool (e.g. only valid timestamps). */
export function cashflowsValue(r: () => number, dates: readonly string[] = STRINGS): ContractCashflows {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const orNull = <T>(x: T) => (r() < 0.3 ? null : x);
  const events: CashflowEvent[] = Array.from({ length: Math.floor(r() * 5) * Math.floor(r() * 40) }, () => ({
    eventDate: pick(dates),
    eventType: pick(STRINGS),
    currency: orNull(pick(STRINGS)),
    payoff: pick(NUMBERS),
    notionalPrincipal: orNull(pick(NUMBERS)),
    nominalInterestRate: orNull(pick(NUMBERS)),
    accruedInterest: orNull(pick(NUMBERS)),
    exerciseDate: orNull(pick(STRINGS)),
    exerciseAmount: orNull(pick(NUMBERS)),
  }));
  return {
    contractId: pick(STRINGS),
    contractType: orNull(pick(STRINGS)),
    version: pick(LONGS),
    fingerprint: orNull(pick(STRINGS)),
    status: pick(['computed', 'waiting', 'deleted'] as const),
    reason: orNull(pick(STRINGS)),
    computedAt: pick(STRINGS),
    events,
    jobId: orNull(pick(STRINGS)),
    requestedAtMs: orNull(pick(LONGS)),
  };
}

/**
 * The message (Confluent header, schema id 1) of `v` with its events array written in two
 * blocks, the second with its byte size (as Java writers may), where our encoders write one.
 */
export function inTwoBlocks(v: ContractCashflows): Buffer {
  const events = v.events;
  if (events.length < 2) throw new RangeError('two blocks need two events');
  const eventsType = avro.Type.forSchema(avroSchema('ContractCashflows').fields.find((f) => f.name === 'events')!.type as avro.Schema) as avro.types.ArrayType;
  const long = avro.Type.forSchema('long');
  const empty = encodeContractCashflows(1, { ...v, events: [] })!;
  const tail = Buffer.concat([avro.Type.forSchema(['null', 'string']).toBuffer(v.jobId), avro.Type.forSchema(['null', 'long']).toBuffer(v.requestedAtMs)]);
  const before = empty.subarray(0, empty.length - tail.length - 1);
  const items = events.map((e) => eventsType.itemsType.toBuffer(e) as Buffer);
  const rest = Buffer.concat(items.slice(1));
  return Buffer.concat([before, long.toBuffer(1), items[0], long.toBuffer(-(items.length - 1)), long.toBuffer(rest.length), rest, Buffer.from([0]), tail]);
}

const ENGINE_TYPES: EventType[] = ['IED', 'IP', 'PR', 'MD', 'RR', 'XD', 'STD', 'IPCI'];
const ENGINE_CURRENCIES = ['USD', 'CHF', '€uro', 'x'.repeat(70)];
const ENGINE_REPORTED = [
  ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
  ['notionalPrincipal', 'exerciseDate', 'exerciseAmount'],
  [],
] as const;
/** Engine events of every shape: odd times, shared and fresh dates, exercised or not, odd doubles. */
export function engineSchedule(r: () => number): { p: PreparedContract; events: ContractEvent[] } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const day = () => Date.UTC(1990 + Math.floor(r() * 80), Math.floor(r() * 12), 1 + Math.floor(r() * 28));
  const time = () => (r() < 0.8 ? day() : day() + Math.floor(r() * 86_400) * 1000);
  const currency = pick(ENGINE_CURRENCIES);
  const events = Array.from({ length: Math.floor(r() * 5) * Math.floor(r() * 40) }, () => {
    const e = new ContractEvent(time(), pick(ENGINE_TYPES), 0, 0, 0, r() < 0.05 ? pick(ENGINE_CURRENCIES) : currency);
    e.payoff = pick(NUMBERS);
    e.notionalPrincipal = pick(NUMBERS);
    e.nominalInterestRate = pick(NUMBERS);
    e.accruedInterest = pick(NUMBERS);
    if (r() < 0.3) {
      e.exerciseDate = time();
      e.exerciseAmount = pick(NUMBERS);
    }
    return e;
  });
  return { p: { type: { reportedStates: pick(ENGINE_REPORTED) } } as unknown as PreparedContract, events };
}
