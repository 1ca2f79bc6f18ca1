import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import type { ContractTerms, MarketObservation, RecalcRequest } from '../schemas/types.js';
import { avroRecord, context } from '../test/support/processor-fixtures.js';
import { impact } from './impact.js';

const terms = (id: string, code?: string, version = 1, deleted = false): ContractTerms => ({
  contractId: id,
  contractType: 'PAM',
  terms: JSON.stringify({ contractType: 'PAM', contractID: id, ...(code ? { marketObjectCodeOfRateReset: code, cycleOfRateReset: 'P3ML1' } : {}) }),
  observedEvents: [],
  version,
  updatedAt: null,
  sourceTsMs: 1000 + version,
  deleted,
});
const obs = (code: string, version: number): MarketObservation => ({ marketObjectCode: code, observedAt: '2024-01-01T00:00:00', value: 0.01, version, sourceTsMs: 5000, deleted: false });

async function run(store: MemoryStateStore, values: (ContractTerms | MarketObservation)[]) {
  const records = values.map((v) => ('contractId' in v ? avroRecord('contractTerms', v.contractId, v) : avroRecord('marketObservations', `${v.marketObjectCode}|x`, v)));
  const out = await impact.process(records, context(store));
  await store.apply(out.writes);
  return out.outputs.filter((o) => o.topic === 'recalcRequests').map((o) => o.value as RecalcRequest);
}

describe('impact', () => {
  it('requests the contract on a terms change and indexes its dependencies', async () => {
    const store = new MemoryStateStore();
    const reqs = await run(store, [terms('A', 'USD'), terms('B', 'EUR'), terms('C')]);
    expect(reqs.map((r) => [r.contractId, r.cause, r.version])).toEqual([['A', 'terms', 1], ['B', 'terms', 1], ['C', 'terms', 1]]);
    expect([...store.forward.get('USD')!]).toEqual(['A']);
    expect([...store.reverse.get('B')!]).toEqual(['EUR']);
  });

  it('an observation requests exactly the dependents of its code, once per batch, with the commit time for latency', async () => {
    const store = new MemoryStateStore();
    await run(store, [terms('A', 'USD'), terms('A2', 'USD'), terms('B', 'EUR'), terms('C')]);
    const reqs = await run(store, [obs('USD', 7), obs('USD', 8)]);
    expect(reqs.map((r) => r.contractId).sort()).toEqual(['A', 'A2']);
    expect(reqs[0]).toMatchObject({ cause: 'market', marketObjectCode: 'USD', version: 8, requestedAtMs: 5000 });
  });

  it('moves a contract in the index when its terms change, and unlinks deleted contracts', async () => {
    const store = new MemoryStateStore();
    await run(store, [terms('A', 'USD')]);
    await run(store, [terms('A', 'EUR', 2)]);
    expect(await run(store, [obs('USD', 3)])).toEqual([]);
    expect((await run(store, [obs('EUR', 4)])).map((r) => r.contractId)).toEqual(['A']);
    const del = await run(store, [terms('A', 'EUR', 5, true)]);
    expect(del.map((r) => r.contractId)).toEqual(['A']);
    expect(await run(store, [obs('EUR', 6)])).toEqual([]);
  });

  it('a terms change also requests the contracts that reference the changed contract', async () => {
    const store = new MemoryStateStore();
    await store.apply({ contracts: [], market: [], links: [{ contractId: 'PARENT', dependencies: ['CHILD'], removed: [] }], published: [], positions: [] });
    const reqs = await run(store, [terms('CHILD', undefined, 9)]);
    expect(reqs.map((r) => [r.contractId, r.cause])).toEqual([['CHILD', 'terms'], ['PARENT', 'dependency']]);
  });
});
