// The behaviour every Database twin must show, run against a fresh, migrated database of each
// dialect: db/postgres/postgres.test.ts (always) and test/mssql.test.ts (where SQL Server runs).
import { describe, expect, it } from 'vitest';
import { UnwritableResultError, type ContractResult, type Database } from '../db/database.js';
import type { CashflowEvent } from '../schemas/types.js';

function event(date: string, payoff: number, extra: Partial<CashflowEvent> = {}): CashflowEvent {
  return {
    eventDate: date,
    eventType: 'IP',
    currency: 'USD',
    payoff,
    notionalPrincipal: 1000,
    nominalInterestRate: 0.05,
    accruedInterest: 0,
    exerciseDate: null,
    exerciseAmount: null,
    ...extra,
  };
}

function result(
  contractId: string,
  version: number,
  events: CashflowEvent[],
  status: ContractResult['status'] = 'computed',
): ContractResult {
  return {
    contractId,
    version,
    fingerprint: `fp-${version}`,
    status,
    reason: null,
    computedAt: '2026-11-25T12:00:00',
    events,
  };
}

export function describeDatabaseBehaviour(
  label: string,
  db: () => Database,
  query: (sql: string) => Promise<Record<string, unknown>[]>,
): void {
  describe(`${label}.applyResults (the version rule)`, () => {
    it('inserts a new contract with seq from 0 and keeps 23:59:59 and full double precision', async () => {
      const out = await db().applyResults([
        result('A', 10, [event('2026-01-31T23:59:59', 0.1234567890123), event('2026-02-28T00:00:00', 2)]),
      ]);
      expect(out).toEqual({ applied: ['A'], skipped: 0, rowsWritten: 2 });
      const rows = await db().contractCashflows('A');
      expect(rows.map((r) => [r.seq, r.eventDate, r.payoff, r.version])).toEqual([
        [0, '2026-01-31T23:59:59', 0.1234567890123, 10],
        [1, '2026-02-28T00:00:00', 2, 10],
      ]);
      expect(await db().cashflowVersion('A')).toEqual({
        contractId: 'A',
        version: 10,
        fingerprint: 'fp-10',
        eventCount: 2,
        computedAt: '2026-11-25T12:00:00',
        status: 'computed',
        reason: null,
      });
    });

    it('changes nothing on a replay or an older version', async () => {
      const replay = await db().applyResults([result('A', 10, [event('2030-01-01T00:00:00', 99)])]);
      const older = await db().applyResults([result('A', 9, [event('2030-01-01T00:00:00', 99)])]);
      expect(replay).toEqual({ applied: [], skipped: 1, rowsWritten: 0 });
      expect(older).toEqual({ applied: [], skipped: 1, rowsWritten: 0 });
      expect((await db().contractCashflows('A')).map((r) => r.payoff)).toEqual([0.1234567890123, 2]);
    });

    it('replaces all rows of a contract when the version is newer (a shorter schedule leaves no stale rows)', async () => {
      const out = await db().applyResults([result('A', 11, [event('2026-03-31T00:00:00', 5)])]);
      expect(out.applied).toEqual(['A']);
      expect((await db().contractCashflows('A')).map((r) => [r.seq, r.payoff, r.version])).toEqual([
        [0, 5, 11],
      ]);
    });

    it('applies only the newest of several results for one contract in a batch, and duplicates once', async () => {
      const out = await db().applyResults([
        result('B', 3, [event('2026-01-01T00:00:00', 3)]),
        result('B', 5, [event('2026-01-01T00:00:00', 5)]),
        result('B', 4, [event('2026-01-01T00:00:00', 4)]),
        result('C', 1, [event('2026-01-01T00:00:00', 1)]),
        result('C', 1, [event('2026-01-01T00:00:00', 1)]),
      ]);
      expect(out.applied.sort()).toEqual(['B', 'C']);
      expect(out.skipped).toBe(3);
      expect((await db().contractCashflows('B')).map((r) => r.payoff)).toEqual([5]);
      expect((await db().contractCashflows('C')).map((r) => r.payoff)).toEqual([1]);
    });

    it("deletes a contract's rows on a delete marker and does not resurrect it from an older result", async () => {
      expect((await db().applyResults([result('B', 6, [], 'deleted')])).applied).toEqual(['B']);
      expect(await db().contractCashflows('B')).toEqual([]);
      expect(await db().cashflowVersion('B')).toMatchObject({ version: 6, status: 'deleted', eventCount: 0 });
      expect((await db().applyResults([result('B', 5, [event('2026-01-01T00:00:00', 5)])])).applied).toEqual(
        [],
      );
      expect(await db().contractCashflows('B')).toEqual([]);
    });

    it('records a waiting contract with its reason and no rows', async () => {
      await db().applyResults([{ ...result('W', 2, [], 'waiting'), reason: 'no market data for USD.SOFR' }]);
      expect(await db().cashflowVersion('W')).toMatchObject({
        status: 'waiting',
        reason: 'no market data for USD.SOFR',
      });
    });

    it('copies awkward ids and text exactly (tabs, newlines, backslashes, quotes, unicode)', async () => {
      const id = "we\\ird\tid\n'x'\r\"ü€\\N";
      await db().applyResults([
        result(id, 1, [event('2026-01-01T00:00:00', 1, { currency: null, notionalPrincipal: null })]),
      ]);
      const rows = await db().contractCashflows(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ contractId: id, currency: null, notionalPrincipal: null });
    });

    it('writes a large batch in one go', async () => {
      const batch = Array.from({ length: 2000 }, (_, i) =>
        result(
          `bulk-${i}`,
          1,
          Array.from({ length: 20 }, (_, k) =>
            event(`2027-${String((k % 12) + 1).padStart(2, '0')}-01T00:00:00`, k),
          ),
        ),
      );
      const out = await db().applyResults(batch);
      expect(out.applied).toHaveLength(2000);
      expect(out.rowsWritten).toBe(40_000);
      expect(await db().applyResults(batch)).toMatchObject({ applied: [], skipped: 2000, rowsWritten: 0 });
    });
  });

  describe(`${label}: what a real server adds (parallel sinks, ids, values)`, () => {
    it('parallel sink transactions on overlapping contracts: each ends at its highest version, with that version\'s rows', async () => {
      // 6 concurrent batches over 40 contracts; contract k gets versions 1..6 in a scrambled
      // order across the batches; the expectation is the version rule's: version 6 wins
      const ids = Array.from({ length: 40 }, (_, k) => `par-${k}`);
      const batches = Array.from({ length: 6 }, (_, b) =>
        ids.map((id, k) => {
          const version = ((b + k) % 6) + 1;
          return result(id, version, Array.from({ length: version }, (_, i) => event(`2027-01-${String(i + 1).padStart(2, '0')}T00:00:00`, version * 100 + i)));
        }),
      );
      const outcomes = await Promise.all(batches.map((b) => db().applyResults(b)));
      for (const o of outcomes) expect(o.applied.length + o.skipped).toBe(ids.length);
      const versions = await db().cashflowVersions(ids);
      expect(versions.map((v) => [v.contractId, v.version, v.eventCount])).toEqual(
        [...ids].sort().map((id) => [id, 6, 6]),
      );
      const rows = await db().contractCashflows('par-7');
      expect(rows.map((r) => [r.seq, r.payoff, r.version])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, 600 + i, 6]));
      // a replay of every batch, again in parallel, changes nothing
      const again = await Promise.all(batches.map((b) => db().applyResults(b)));
      expect(again.reduce((n, o) => n + o.applied.length, 0)).toBe(0);
    });

    it('ids that differ only in case are two contracts (one batch and across batches)', async () => {
      const one = await db().applyResults([result('case-abc', 1, [event('2027-01-01T00:00:00', 1)]), result('CASE-ABC', 1, [event('2027-01-01T00:00:00', 2)])]);
      expect(one.applied.sort()).toEqual(['CASE-ABC', 'case-abc']);
      const two = await db().applyResults([result('Case-Abc', 1, [event('2027-01-01T00:00:00', 3)])]);
      expect(two.applied).toEqual(['Case-Abc']);
      expect((await db().contractCashflows('case-abc')).map((r) => r.payoff)).toEqual([1]);
      expect((await db().contractCashflows('CASE-ABC')).map((r) => r.payoff)).toEqual([2]);
      expect((await db().contractCashflows('Case-Abc')).map((r) => r.payoff)).toEqual([3]);
      expect((await db().cashflowVersions(['case-abc', 'CASE-ABC', 'Case-Abc', 'CASE-abc'])).map((v) => v.contractId).sort()).toEqual(['CASE-ABC', 'Case-Abc', 'case-abc']);
    });

    it('refuses a non-finite payoff before the database, naming the contract, event and amount', async () => {
      const bad = result('nan-1', 1, [event('2027-01-01T00:00:00', 1), event('2027-02-01T00:00:00', Number.NaN)]);
      await expect(db().applyResults([bad])).rejects.toSatisfy(
        (e: Error) => e instanceof UnwritableResultError && /nan-1/.test(e.message) && /event 1 \(IP 2027-02-01T00:00:00\) has payoff = NaN/.test(e.message),
      );
      expect(await db().cashflowVersion('nan-1')).toBeNull();
    });
  });

  describe(`${label} reads and source writers`, () => {
    it('scales cash flows by position quantity and builds a ladder by month and quarter', async () => {
      await db().applyResults([
        result('L1', 1, [
          event('2026-01-15T00:00:00', 10),
          event('2026-02-15T00:00:00', 10),
          event('2026-04-01T00:00:00', 10),
        ]),
        result('L2', 1, [event('2026-01-31T23:59:59', 1, { currency: 'EUR' })]),
      ]);
      await db().upsertPositions([
        { positionId: 'p1', portfolioId: 'book', contractId: 'L1', quantity: 2 },
        { positionId: 'p2', portfolioId: 'book', contractId: 'L2', quantity: -3 },
        { positionId: 'p3', portfolioId: 'other', contractId: 'L1', quantity: 100 },
      ]);
      const flows = await db().portfolioCashflows('book', { from: '2026-01-01', to: '2026-03-01' });
      expect(flows.map((f) => [f.positionId, f.eventDate, f.payoff, f.nominalInterestRate])).toEqual([
        ['p1', '2026-01-15T00:00:00', 20, 0.05],
        ['p2', '2026-01-31T23:59:59', -3, 0.05],
        ['p1', '2026-02-15T00:00:00', 20, 0.05],
      ]);
      expect(await db().cashflowLadder('book', 'month')).toEqual([
        { bucket: '2026-01-01', currency: 'EUR', payoff: -3, events: 1 },
        { bucket: '2026-01-01', currency: 'USD', payoff: 20, events: 1 },
        { bucket: '2026-02-01', currency: 'USD', payoff: 20, events: 1 },
        { bucket: '2026-04-01', currency: 'USD', payoff: 20, events: 1 },
      ]);
      expect(await db().cashflowLadder('book', 'quarter', { from: '2026-01-01' })).toEqual([
        { bucket: '2026-01-01', currency: 'EUR', payoff: -3, events: 1 },
        { bucket: '2026-01-01', currency: 'USD', payoff: 40, events: 2 },
        { bucket: '2026-04-01', currency: 'USD', payoff: 20, events: 1 },
      ]);
      await expect(db().cashflowLadder('book', 'week' as 'month')).rejects.toThrow(/bucket/);
    });

    it('upserts contracts and market data and deletes contracts', async () => {
      await db().upsertContracts([
        { contractId: 'k1', contractType: 'PAM', terms: '{"a":1}' },
        { contractId: 'k1', contractType: 'PAM', terms: '{"a":2}' },
        { contractId: 'k2', contractType: 'ANN', terms: 'not json' },
      ]);
      await db().upsertMarketData([
        { marketObjectCode: 'USD.SOFR', observedAt: '2026-01-01T23:59:59', value: 0.0123456789012 },
        { marketObjectCode: 'USD.SOFR', observedAt: '2026-01-01T23:59:59', value: 0.02 },
      ]);
      await db().deleteContracts(['k2']);
      expect(await query('SELECT contract_id, terms FROM contracts ORDER BY contract_id')).toEqual([
        { contract_id: 'k1', terms: '{"a":2}' },
      ]);
      expect(await query('SELECT value FROM market_data')).toEqual([{ value: 0.02 }]);
    });
  });

  describe(`${label} verification reads`, () => {
    // awkward doubles: each must come back with the same bits (verify compares exactly)
    const awkward = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, 123456789.12345679, 0.0123456789012345, -1e-15];

    it('storedResults returns every stored field of the selection, doubles to the bit, in contract and seq order', async () => {
      await db().applyResults([
        result('vf-b', 41, awkward.map((x, i) => event(`2027-01-0${1 + (i % 8)}T23:59:59`, x, { notionalPrincipal: x / 3, nominalInterestRate: x / 7, accruedInterest: -x, currency: i % 2 ? 'EUR' : null }))),
        result('vf-a', 40, [event('2027-02-01T00:00:00', 1)]),
      ]);
      const got = await db().storedResults({ ids: ['vf-b', 'vf-a', 'vf-none'] });
      expect(got.versions.map((v) => [v.contractId, v.version, v.fingerprint, v.eventCount, v.status])).toEqual([
        ['vf-a', 40, 'fp-40', 1, 'computed'],
        ['vf-b', 41, 'fp-41', 8, 'computed'],
      ]);
      const rows = got.rows.toRows();
      expect(got.rows.runIds).toEqual(['vf-a', 'vf-b']);
      const b = rows.filter((r) => r.contractId === 'vf-b');
      expect(rows[0].contractId).toBe('vf-a');
      expect(b.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      for (let i = 0; i < awkward.length; i++) {
        const x = awkward[i];
        expect(Object.is(b[i].payoff, x), `payoff ${x}`).toBe(true);
        expect(b[i].notionalPrincipal).toBe(x / 3);
        expect(b[i].nominalInterestRate).toBe(x / 7);
        expect(b[i].accruedInterest).toBe(-x);
        expect(b[i].currency).toBe(i % 2 ? 'EUR' : null);
        expect(b[i].eventDate).toBe(`2027-01-0${1 + (i % 8)}T23:59:59`);
        expect(b[i].version).toBe(41);
      }
    });

    it('pages ids over contracts and cashflow_versions; a range selection also holds rows without a version row', async () => {
      await db().upsertContracts([
        { contractId: 'vf-c', contractType: 'PAM', terms: '{"a":1}' },
        { contractId: 'vf-d', contractType: 'PAM', terms: '{"b":2}' },
      ]);
      await query(`INSERT INTO contract_cashflows (contract_id, seq, event_date, event_type, currency, payoff, version) VALUES ('vf-e', 0, '2027-03-01T00:00:00', 'IP', 'USD', 5, 1)`);
      const all = await db().verificationIds(null, 100_000);
      for (const id of ['vf-a', 'vf-b', 'vf-c', 'vf-d']) expect(all, id).toContain(id);
      expect(all).not.toContain('vf-e'); // rows alone: found by the range reads, not listed
      const paged: string[] = [];
      for (let after: string | null = null; ; ) {
        const page = await db().verificationIds(after, 3);
        paged.push(...page);
        if (page.length < 3) break;
        after = page[page.length - 1];
      }
      expect(paged).toEqual(all);
      const d = all.indexOf('vf-d');
      const range = await db().storedResults({ after: all[d], through: null });
      const ranged = await db().sourceContracts({ after: all[d - 1], through: all[d] });
      expect(ranged.contracts).toEqual([{ contractId: 'vf-d', contractType: 'PAM', terms: '{"b":2}' }]);
      expect(range.rows.toRows().some((r) => r.contractId === 'vf-e' && r.payoff === 5)).toBe(true);
    });

    it('reads source contracts with their observed events, market data by code and a portfolio\'s contracts', async () => {
      await query(`INSERT INTO observed_events (contract_id, event_type, observed_at, value, states) VALUES ('vf-c', 'CE', '2027-01-02T12:00:00', NULL, '{"x":1}')`);
      await query(`INSERT INTO observed_events (contract_id, event_type, observed_at, value, states) VALUES ('vf-c', 'XD', '2027-01-03T00:00:00', 0.25, NULL)`);
      await db().upsertMarketData([
        { marketObjectCode: 'VF.X', observedAt: '2027-01-01T00:00:00', value: 0.1 + 0.2 },
        { marketObjectCode: 'VF.Y', observedAt: '2027-01-01T00:00:00', value: 2 },
      ]);
      await db().upsertPositions([
        { positionId: 'vf-p1', portfolioId: 'VF', contractId: 'vf-d', quantity: 1 },
        { positionId: 'vf-p2', portfolioId: 'VF', contractId: 'vf-c', quantity: 2 },
        { positionId: 'vf-p3', portfolioId: 'VF', contractId: 'vf-c', quantity: 3 },
      ]);
      const src = await db().sourceContracts({ ids: ['vf-c', 'vf-x'] });
      expect(src.contracts).toEqual([{ contractId: 'vf-c', contractType: 'PAM', terms: '{"a":1}' }]);
      expect(src.observedEvents).toEqual([
        { contractId: 'vf-c', eventType: 'CE', observedAt: '2027-01-02T12:00:00', value: null, states: '{"x":1}' },
        { contractId: 'vf-c', eventType: 'XD', observedAt: '2027-01-03T00:00:00', value: 0.25, states: null },
      ]);
      expect(await db().marketData(['VF.X', 'VF.Z'])).toEqual([{ marketObjectCode: 'VF.X', observedAt: '2027-01-01T00:00:00', value: 0.1 + 0.2 }]);
      expect(await db().portfolioContractIds('VF')).toEqual(['vf-c', 'vf-d']);
      const sample = await db().sampleContractIds(2);
      expect(sample).toHaveLength(2);
      expect(new Set(sample).size).toBe(2);
    });
  });
}
