import { describe, expect, it } from 'vitest';
import { computeEvents, eventsToJson, prepareContract, TimeSeriesObserver, parseDateTime } from '../engine/index.js';
import { MemoryStateStore } from '../state/memory-store.js';
import type { StoredContract } from '../state/model.js';
import type { RecalcRequest } from '../schemas/types.js';
import { decodedSchedule, type Schedule } from '../wire/schedule.js';
import { avroRecord, context } from '../test/support/processor-fixtures.js';
import { pam2013 } from '../test/support/pam-terms.js';
import { calculator } from './calculator.js';

const floating = {
  ...pam2013,
  contractID: 'F',
  cycleAnchorDateOfInterestPayment: '2013-01-01T00:00:00',
  cycleOfInterestPayment: 'P1ML0',
  cycleAnchorDateOfRateReset: '2013-02-01T00:00:00',
  cycleOfRateReset: 'P3ML1',
  marketObjectCodeOfRateReset: 'USD',
  dayCountConvention: '30E360',
};

function contract(id: string, terms: object, version: number, deleted = false): StoredContract {
  return { contractId: id, contractType: 'PAM', terms: JSON.stringify(terms), termsVersion: version, deleted, updatedAt: null, sourceTsMs: 0, events: {}, version };
}
const request = (id: string): RecalcRequest => ({ contractId: id, cause: 'manual', version: 0, marketObjectCode: null, asOf: null, jobId: null, requestedAtMs: 123 });

async function calc(store: MemoryStateStore, ids: string[]) {
  const out = await calculator.process(ids.map((id) => avroRecord('recalcRequests', id, request(id))), context(store));
  await store.apply(out.writes);
  // the events as a reader of the topic sees them (the calculator publishes them encoded)
  return { out, results: out.outputs.map((o) => decodedSchedule(o.value as Schedule)) };
}
const tick = (value: number, version: number, observedAt = '2013-01-15T00:00:00') => ({
  contracts: [],
  links: [],
  published: [],
  positions: [],
  market: [{ marketObjectCode: 'USD', observedAt, value, version, deleted: false }],
});

describe('calculator', () => {
  it('waits for missing market data, then computes what the engine computes, versioned by the highest input position', async () => {
    const store = new MemoryStateStore();
    await store.apply({ contracts: [contract('F', floating, 100)], market: [], links: [], published: [], positions: [] });
    const first = await calc(store, ['F']);
    expect(first.results[0]).toMatchObject({ status: 'waiting', version: 100, events: [], requestedAtMs: 123 });
    expect(first.results[0].reason).toMatch(/USD/);
    expect(first.out.waiting).toBe(1);
    expect(await store.waitingCount()).toBe(1);

    await store.apply(tick(0.02, 150));
    const second = await calc(store, ['F']);
    const r = second.results[0];
    expect(r).toMatchObject({ status: 'computed', version: 150 });
    const expected = eventsToJson(
      computeEvents(floating, { observer: new TimeSeriesObserver({ USD: [{ time: parseDateTime('2013-01-15T00:00:00')!, value: 0.02 }] }) }),
      prepareContract(floating).type.reportedStates,
    );
    expect(r.events.map((e) => [e.eventDate, e.eventType, e.payoff])).toEqual(expected.map((e) => [e.eventDate, e.eventType, e.payoff]));
    expect(await store.waitingCount()).toBe(0);
  });

  it('publishes nothing when the schedule is unchanged, and the same version for the same inputs', async () => {
    const store = new MemoryStateStore();
    await store.apply({ ...tick(0.02, 150), contracts: [contract('F', floating, 100)] });
    const a = await calc(store, ['F']);
    expect(a.results).toHaveLength(1);
    expect((await calc(store, ['F'])).results).toEqual([]); // same inputs, same fingerprint
    await store.apply(tick(0.9, 200, '2020-01-01T00:00:00')); // after maturity: same schedule
    expect((await calc(store, ['F'])).results).toEqual([]);
    // a replay with the last published entry lost (crash between produce and write) gives the same version
    const other = new MemoryStateStore();
    await other.apply({ ...tick(0.02, 150), contracts: [contract('F', floating, 100)] });
    expect((await calc(other, ['F'])).results[0].version).toBe(a.results[0].version);
  });

  it('a changed schedule whose inputs carry no newer position still gets a newer version', async () => {
    const store = new MemoryStateStore();
    await store.apply({ ...tick(0.02, 300), contracts: [contract('F', floating, 100)] });
    const a = (await calc(store, ['F'])).results[0];
    expect(a.version).toBe(300);
    // terms at position 200 drop the USD dependency (fixed rate): inputs max 200 < 300
    const fixedTerms = { ...floating, cycleOfRateReset: undefined, cycleAnchorDateOfRateReset: undefined, marketObjectCodeOfRateReset: undefined };
    await store.apply({ contracts: [contract('F', fixedTerms, 200)], market: [], links: [], published: [], positions: [] });
    const b = (await calc(store, ['F'])).results[0];
    expect(b.status).toBe('computed');
    expect(b.version).toBe(301);
  });

  it('publishes deleted contracts with status deleted and no events; ignores unknown contracts', async () => {
    const store = new MemoryStateStore();
    await store.apply({ contracts: [contract('F', floating, 100, true)], market: [], links: [], published: [], positions: [] });
    const { results } = await calc(store, ['F', 'UNKNOWN']);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ contractId: 'F', status: 'deleted', events: [], version: 100 });
  });
});
