// The end state the fault tests demand of the result tables: every contract of the book has
// exactly the rows a direct engine computation gives (same market data), seq 0..n-1 once each,
// one version per contract, and cashflow_versions agrees (status computed, event count). No row
// beyond those.
import type { Pool } from 'pg';
import { expect } from 'vitest';
import type { ContractRow, MarketDataRow } from '../../db/database.js';
import { computeEvents, contractTypeOf, eventsToJson, parseDateTime, TimeSeriesObserver } from '../../engine/index.js';

export async function expectResultsEqualEngine(pool: Pool, book: readonly ContractRow[], market: readonly MarketDataRow[]): Promise<{ rows: number }> {
  const series = new Map<string, { time: number; value: number }[]>();
  for (const m of market) {
    const list = series.get(m.marketObjectCode) ?? [];
    list.push({ time: parseDateTime(m.observedAt)!, value: m.value });
    series.set(m.marketObjectCode, list);
  }
  const observer = new TimeSeriesObserver(series);
  const rows = (
    await pool.query<{ contract_id: string; seq: number; event_date: string; event_type: string; payoff: number; version: string }>(
      `SELECT contract_id, seq, to_char(event_date, 'YYYY-MM-DD"T"HH24:MI:SS') AS event_date, event_type, payoff, version
       FROM contract_cashflows ORDER BY contract_id, seq`,
    )
  ).rows;
  const versions = new Map(
    (await pool.query<{ contract_id: string; version: string; event_count: number; status: string }>('SELECT contract_id, version, event_count, status FROM cashflow_versions')).rows.map((r) => [
      r.contract_id,
      r,
    ]),
  );
  const byContract = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = byContract.get(r.contract_id) ?? [];
    list.push(r);
    byContract.set(r.contract_id, list);
  }
  const ids = book.map((c) => c.contractId);
  expect(versions.size).toBe(ids.length);
  expect([...byContract.keys()].sort()).toEqual([...ids].sort());
  let compared = 0;
  for (const c of book) {
    const id = c.contractId;
    const terms = JSON.parse(c.terms) as Record<string, string>;
    const expected = eventsToJson(computeEvents(terms, { observer }), contractTypeOf(c.contractType)!.reportedStates);
    const got = byContract.get(id)!;
    const v = versions.get(id)!;
    expect(v.status, id).toBe('computed');
    expect(got.map((r) => r.seq), id).toEqual(expected.map((_, i) => i)); // seq 0..n-1, each once
    expect(v.event_count, id).toBe(got.length);
    expect(new Set(got.map((r) => r.version)), id).toEqual(new Set([v.version])); // one version per contract
    for (let i = 0; i < expected.length; i++) {
      expect(got[i].event_date, `${id} #${i}`).toBe(expected[i].eventDate);
      expect(got[i].event_type, `${id} #${i}`).toBe(expected[i].eventType);
      expect(got[i].payoff, `${id} #${i}`).toBeCloseTo(expected[i].payoff, 6);
    }
    compared += expected.length;
  }
  expect(compared).toBe(rows.length); // no row beyond the engine's events
  return { rows: rows.length };
}
