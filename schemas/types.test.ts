import { describe, expect, it } from 'vitest';
import { avroSchema, avroType, RECORD_NAMES } from './avro.js';
import type {
  CashflowEvent,
  ContractCashflows,
  ContractTerms,
  DeadLetter,
  JobChunk,
  JobEvent,
  MarketObservation,
  ObservedEvent,
  Position,
  RecalcRequest,
  RecordName,
  RecordTypes,
} from './types.js';

// One sample per record with every field set. Written as `T` literals, TypeScript refuses a
// field the type lacks and demands every field it has; the tests below then demand that the
// .avsc has exactly the same fields (recursively) and accepts the values.
const observed: ObservedEvent = {
  eventType: 'CE',
  observedAt: '2026-01-01T00:00:00',
  value: 1,
  states: '{}',
};
const event: CashflowEvent = {
  eventDate: '2026-01-01T00:00:00',
  eventType: 'IP',
  currency: 'USD',
  payoff: 12.5,
  notionalPrincipal: 1000,
  nominalInterestRate: 0.05,
  accruedInterest: 0,
  exerciseDate: null,
  exerciseAmount: null,
};
const samples: { [N in RecordName]: RecordTypes[N] } = {
  ContractTerms: {
    contractId: 'c1',
    contractType: 'PAM',
    terms: '{"contractType":"PAM"}',
    observedEvents: [observed],
    version: 2 ** 40,
    updatedAt: '2026-01-01T00:00:00',
    sourceTsMs: Date.now(),
    deleted: false,
  } satisfies ContractTerms,
  MarketObservation: {
    marketObjectCode: 'USD.SOFR',
    observedAt: '2026-01-01T23:59:59',
    value: 0.0123456789012,
    version: 7,
    sourceTsMs: 1,
    deleted: false,
  } satisfies MarketObservation,
  Position: {
    positionId: 'p1',
    portfolioId: 'P-ALPHA',
    contractId: 'c1',
    quantity: 2.5,
    version: 11,
    sourceTsMs: 1,
    deleted: false,
  } satisfies Position,
  RecalcRequest: {
    contractId: 'c1',
    cause: 'market',
    version: 9,
    marketObjectCode: 'USD.SOFR',
    asOf: null,
    jobId: 'job-1',
    requestedAtMs: 1,
  } satisfies RecalcRequest,
  ContractCashflows: {
    contractId: 'c1',
    contractType: 'PAM',
    version: 9,
    fingerprint: 'abc',
    status: 'computed',
    reason: null,
    computedAt: '2026-01-01T00:00:00',
    events: [event],
    jobId: null,
    requestedAtMs: 5,
  } satisfies ContractCashflows,
  DeadLetter: {
    processor: 'contract-ingest',
    reason: 'terms is not JSON',
    errorType: 'PoisonInputError',
    originalTopic: 'cdc.cashflow.public.contracts',
    originalPartition: 3,
    originalOffset: '12345678901234',
    originalKey: Buffer.from('k'),
    originalValue: null,
    failedAtMs: 1,
    originalValueBytes: 300_000,
    originalValueSha256: 'ab'.repeat(32),
  } satisfies DeadLetter,
  JobChunk: {
    jobId: 'j',
    chunk: 0,
    chunks: 2,
    contractIds: ['a', 'b'],
    asOf: '2026-01-01T00:00:00',
    requestedAtMs: 1,
    cases: '{"a":{}}',
  } satisfies JobChunk,
  JobEvent: {
    jobId: 'j',
    type: 'progress',
    contractsTotal: 10,
    contractsDone: 5,
    message: null,
    atMs: 1,
  } satisfies JobEvent,
};

/** Field names of a record schema and, for nested records (directly or in arrays), theirs. */
function fieldTree(type: unknown): unknown {
  if (Array.isArray(type)) return fieldTree(type.find((t) => t !== 'null'));
  if (type && typeof type === 'object') {
    const t = type as { type: string; fields?: { name: string; type: unknown }[]; items?: unknown };
    if (t.type === 'record') return Object.fromEntries(t.fields!.map((f) => [f.name, fieldTree(f.type)]));
    if (t.type === 'array') return [fieldTree(t.items)];
  }
  return '.';
}

function sampleTree(value: unknown): unknown {
  if (Array.isArray(value)) return [sampleTree(value[0])];
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sampleTree(v)]));
  }
  return '.';
}

describe('Avro schemas and TypeScript types', () => {
  it('covers every .avsc file with a type', () => {
    expect(RECORD_NAMES.sort()).toEqual(Object.keys(samples).sort());
  });

  for (const name of RECORD_NAMES) {
    it(`${name}: the .avsc has exactly the fields of the TypeScript type`, () => {
      expect(sampleTree(samples[name])).toEqual(fieldTree(avroSchema(name)));
    });

    it(`${name}: the .avsc accepts a typed value and round-trips it`, () => {
      const type = avroType(name);
      const errors: string[] = [];
      const ok = type.isValid(samples[name], { errorHook: (path) => errors.push(path.join('.')) });
      expect(errors).toEqual([]);
      expect(ok).toBe(true);
      expect(type.fromBuffer(type.toBuffer(samples[name]))).toEqual(samples[name]);
    });

    it(`${name}: every field added later than the first has a default (BACKWARD)`, () => {
      // Nullable fields must default to null so that new readers can read old records.
      for (const f of avroSchema(name).fields) {
        if (Array.isArray(f.type) && f.type[0] === 'null') expect(f.default, f.name).toBeNull();
      }
    });
  }

  it('rejects a value that does not match (the drift check has teeth)', () => {
    expect(avroType('ContractCashflows').isValid({ ...samples.ContractCashflows, version: '9' })).toBe(false);
    expect(avroType('RecalcRequest').isValid({ ...samples.RecalcRequest, cause: 'other' })).toBe(false);
  });
});
