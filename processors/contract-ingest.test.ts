import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { avroRecord, cdcRecord, context } from '../test/support/processor-fixtures.js';
import { pam2013 } from '../test/support/pam-terms.js';
import { prepareContract } from '../engine/index.js';
import { contractIngest, jsonRoundTripKeeps, termsOfRow } from './contract-ingest.js';
import type { ContractTerms } from '../schemas/types.js';

const pam = { ...pam2013, dayCountConvention: 'A365' };
const row = (id: string, terms: unknown, type = 'PAM') => ({ contract_id: id, contract_type: type, terms: typeof terms === 'string' ? terms : JSON.stringify(terms) });

async function ingest(store: MemoryStateStore, records: Parameters<typeof contractIngest.process>[0]) {
  const out = await contractIngest.process(records, context(store));
  await store.apply(out.writes);
  return out;
}

describe('contract-ingest', () => {
  it('publishes validated terms with the source position as version, contractID filled from the row', async () => {
    const store = new MemoryStateStore();
    const out = await ingest(store, [cdcRecord('cdcContracts', 'c', row('K1', pam), 100)]);
    expect(out.deadLetters).toEqual([]);
    expect(out.outputs).toHaveLength(1);
    const v = out.outputs[0].value as ContractTerms;
    expect(out.outputs[0]).toMatchObject({ topic: 'contractTerms', key: 'K1' });
    expect(v).toMatchObject({ contractId: 'K1', contractType: 'PAM', version: 100, deleted: false, observedEvents: [] });
    expect(JSON.parse(v.terms)).toMatchObject({ contractID: 'K1', notionalPrincipal: '3000' });
    expect(store.contractDocs.get('K1')!.termsVersion).toBe(100);
  });

  it('sends unparsable, invalid and unsupported terms to the dead letters with the engine\'s reason, and keeps the valid rows', async () => {
    const store = new MemoryStateStore();
    const out = await ingest(store, [
      cdcRecord('cdcContracts', 'c', row('OK1', pam), 1),
      cdcRecord('cdcContracts', 'c', row('J', '{"contractType": '), 2),
      cdcRecord('cdcContracts', 'c', row('T', { ...pam, notionalPrincipal: 'lots' }), 3),
      cdcRecord('cdcContracts', 'c', row('X', { ...pam, contractType: 'NOPE' }, 'NOPE'), 4),
      cdcRecord('cdcContracts', 'c', row('M', { ...pam, contractType: 'ANN' }), 5),
      cdcRecord('cdcContracts', 'c', row('OK2', pam), 6),
    ]);
    expect(out.outputs.map((o) => o.key)).toEqual(['OK1', 'OK2']);
    const reasons = Object.fromEntries(out.deadLetters.map((d) => [d.record.change!.after!.contract_id, `${d.errorType}: ${d.reason}`]));
    expect(Object.keys(reasons).sort()).toEqual(['J', 'M', 'T', 'X']);
    expect(reasons.J).toMatch(/^MalformedTermsError: terms of contract J are not JSON/);
    expect(reasons.T).toMatch(/^InvalidTermsError: .*notionalPrincipal/);
    expect(reasons.X).toMatch(/NOPE/);
    expect(reasons.M).toMatch(/contract_type column "PAM" differs from terms contractType "ANN"/);
    expect([...store.contractDocs.keys()].sort()).toEqual(['OK1', 'OK2']);
  });

  it('dead-letters terms with a misspelt name or a value out of the dictionary\'s range, naming them, with a bounded reason', async () => {
    const store = new MemoryStateStore();
    const { nominalInterestRate, ...rest } = pam;
    const out = await ingest(store, [
      cdcRecord('cdcContracts', 'c', row('U', { ...rest, nominalInterestRat: nominalInterestRate }), 1),
      cdcRecord('cdcContracts', 'c', row('N', { ...pam, notionalPrincipal: '-3000' }), 2),
      cdcRecord('cdcContracts', 'c', row('C', { ...pam, currency: 'DOLLAR' }), 3),
      cdcRecord('cdcContracts', 'c', row('D', { ...pam, statusDate: '0000-12-30T00:00:00' }), 4),
      cdcRecord('cdcContracts', 'c', row('H', { ...pam, notionalPrincipal: '7'.repeat(1_000_000) + 'x', ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`extra${i}`, 'v'])) }), 5),
      cdcRecord('cdcContracts', 'c', row('OK', pam), 6),
    ]);
    const reasons = Object.fromEntries(out.deadLetters.map((d) => [d.record.change!.after!.contract_id, `${d.errorType}: ${d.reason}`]));
    expect(reasons.U).toBe(
      "InvalidTermsError: contract U: invalid terms of U: nominalInterestRat: unknown term 'nominalInterestRat' (did you mean 'nominalInterestRate'?); nominalInterestRate: missing required term",
    );
    expect(reasons.N).toBe('InvalidTermsError: contract N: invalid terms of N: notionalPrincipal: must not be negative: -3000');
    expect(reasons.C).toBe('InvalidTermsError: contract C: invalid terms of C: currency: not an ISO 4217 currency code: "DOLLAR"');
    expect(reasons.D).toMatch(/^InvalidTermsError: contract D: invalid terms of D: statusDate: date-time "0000-12-30T00:00:00" outside 0001-01-01T00:00:00 to 9999-12-31T23:59:59/);
    expect(reasons.H).toMatch(/notionalPrincipal: not a finite number: "7{40}"… \(1000001 chars\)/);
    expect(reasons.H).toMatch(/; and \d+ more$/);
    expect(reasons.H.length).toBeLessThan(500);
    expect(out.outputs.map((o) => o.key)).toEqual(['OK']);
  });

  it('announces a replay of the last applied change again (its state written, its output maybe lost), ignores older ones and tombstones; a delete publishes deleted=true at the delete\'s position', async () => {
    const store = new MemoryStateStore();
    const first = await ingest(store, [cdcRecord('cdcContracts', 'c', row('K', pam), 10)]);
    const replay = await ingest(store, [cdcRecord('cdcContracts', 'c', row('K', pam), 10), { ...cdcRecord('cdcContracts', 'd', row('K', pam), 0), change: null }]);
    expect(replay.outputs).toEqual(first.outputs); // the same message: downstream takes it as a duplicate
    expect(replay.writes.contracts).toEqual([]); // nothing written again
    const del = await ingest(store, [cdcRecord('cdcContracts', 'd', row('K', pam), 20)]);
    expect(del.outputs[0].value).toMatchObject({ contractId: 'K', deleted: true, version: 20 });
    const old = await ingest(store, [cdcRecord('cdcContracts', 'u', row('K', { ...pam, notionalPrincipal: '1' }), 15)]);
    expect(old.outputs).toEqual([]);
    expect(store.contractDocs.get('K')!.deleted).toBe(true);
  });

  it('merges observed events into the contract whatever the order of the two topics', async () => {
    const store = new MemoryStateStore();
    const ev = { contract_id: 'K', event_type: 'CE', observed_at: '2013-06-01T00:00:00', value: 0, states: '{"contractPerformance":"DF"}' };
    // the event (position 30) arrives before its contract (position 20): stored, not published
    const first = await ingest(store, [cdcRecord('cdcObservedEvents', 'c', ev, 30)]);
    expect(first.outputs).toEqual([]);
    const second = await ingest(store, [cdcRecord('cdcContracts', 'c', row('K', pam), 20)]);
    expect(second.outputs[0].value).toMatchObject({
      version: 30,
      observedEvents: [{ eventType: 'CE', observedAt: '2013-06-01T00:00:00', value: 0, states: '{"contractPerformance":"DF"}' }],
    });
    const removed = await ingest(store, [cdcRecord('cdcObservedEvents', 'd', ev, 40)]);
    expect(removed.outputs[0].value).toMatchObject({ version: 40, observedEvents: [] });
    // a replay of the older insert does not bring it back
    const replay = await ingest(store, [cdcRecord('cdcObservedEvents', 'c', ev, 30)]);
    expect(replay.outputs).toEqual([]);
    const bad = await ingest(store, [cdcRecord('cdcObservedEvents', 'c', { ...ev, observed_at: '2013-07-01T00:00:00', states: '{oops' }, 50)]);
    expect(bad.deadLetters[0].reason).toMatch(/states are not JSON/);
    // NaN and ±Infinity arrive from Debezium as strings: dead-lettered, never stored as "no value"
    for (const [i, value] of ['NaN', 'Infinity', '-Infinity', 'abc'].entries()) {
      const r = await ingest(store, [cdcRecord('cdcObservedEvents', 'c', { ...ev, observed_at: `2013-08-0${i + 1}T00:00:00`, value }, 60 + i)]);
      expect(r.outputs, value).toEqual([]);
      expect(r.deadLetters.map((d) => `${d.errorType}: ${d.reason}`)).toEqual([`MalformedRowError: observed event CE|2013-08-0${i + 1}T00:00:00 of K with value "${value}": not a finite number`]);
    }
    expect(Object.keys(store.contractDocs.get('K')!.events).filter((k) => k.includes('2013-08'))).toEqual([]);
  });

  it('termsOfRow keeps given contractID and contractType', () => {
    expect(JSON.parse(termsOfRow('K', row('K', { ...pam, contractID: 'other' })).terms).contractID).toBe('other');
    expect(avroRecord('contractTerms', 'k', null).key).toBe('k');
  });

  it("termsOfRow's validation is what the calculator prepares from the stored terms", () => {
    const read = termsOfRow('K', row('K', { ...pam, nominalInterestRate: 0.1, notionalPrincipal: 3000 }));
    expect(read.preparedAsStored).toBe(true);
    expect(read.prepared).toEqual(prepareContract(JSON.parse(read.terms)));
  });

  it('jsonRoundTripKeeps: false exactly where JSON.stringify then JSON.parse changes a parsed value', () => {
    for (const text of ['{"a":1,"b":[2,"x",null,{"c":0.1}]}', '"-0"', '[]', '{}', '1e308']) {
      const v: unknown = JSON.parse(text);
      expect(jsonRoundTripKeeps(v)).toBe(true);
      expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    }
    for (const text of ['{"a":-0}', '[1e400]', '{"a":{"b":[-1e999]}}', '-0.0']) {
      const v: unknown = JSON.parse(text);
      expect(jsonRoundTripKeeps(v)).toBe(false);
      expect(JSON.parse(JSON.stringify(v))).not.toEqual(v); // toEqual tells -0 from 0
    }
  });
});
