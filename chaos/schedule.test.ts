// The chaos plan is a function of its seed: every processor kind killed, every infrastructure
// fault once, malformed rows spread over the four source tables with unique identities.
import { describe, expect, it } from 'vitest';
import { benchContract } from '../bench/pipeline.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { cdcRecord, context } from '../test/support/processor-fixtures.js';
import { positionsIngest } from '../processors/positions-ingest.js';
import { DEAD_LETTERED_TABLES, faultPlan, INFRASTRUCTURE_FAULTS, KILLED_KINDS, malformedRows, type MalformedRow } from './schedule.js';
import { termsOfRow } from '../processors/contract-ingest.js';

const options = { seed: 7, kills: 12, infrastructure: INFRASTRUCTURE_FAULTS, downSeconds: 30, gapSeconds: [2, 8] as [number, number] };

describe('faultPlan', () => {
  it('the same seed gives the same plan; another seed another order', () => {
    expect(faultPlan(options)).toEqual(faultPlan(options));
    expect(faultPlan({ ...options, seed: 8 }).map((s) => s.fault)).not.toEqual(faultPlan(options).map((s) => s.fault));
  });

  it('kills every processor kind at least once, the requested number of kills in all, and each infrastructure fault once', () => {
    const plan = faultPlan(options);
    const kills = plan.flatMap((s) => (s.fault.kind === 'processor-kill' ? [s.fault.processor] : []));
    expect(kills).toHaveLength(12);
    expect(new Set(kills)).toEqual(new Set(KILLED_KINDS));
    expect(plan.map((s) => s.fault.kind).filter((k) => k !== 'processor-kill').sort()).toEqual([...INFRASTRUCTURE_FAULTS].sort());
    for (const s of plan) {
      expect(s.gapSeconds).toBeGreaterThanOrEqual(2);
      expect(s.gapSeconds).toBeLessThanOrEqual(8);
      if (s.fault.kind === 'registry-down' || s.fault.kind === 'sink-database-down') expect(s.fault.downSeconds).toBe(30);
    }
  });

  it('refuses fewer kills than processor kinds', () => {
    expect(() => faultPlan({ ...options, kills: 7 })).toThrow(/at least 8/);
  });
});

describe('malformedRows', () => {
  const rows = malformedRows({ seed: 3, count: 400, contract: (i) => benchContract(i), contracts: 2000, codes: ['USD_LIBOR_3M', 'BENCH.TICK'] });

  it('spreads the rows over the four tables, each identity once', () => {
    const byTable = new Map<string, number>();
    for (const r of rows) byTable.set(r.table, (byTable.get(r.table) ?? 0) + 1);
    expect(Object.fromEntries(byTable)).toEqual({ contracts: 100, market_data: 100, observed_events: 100, positions: 100 });
    expect(new Set(rows.map((r) => r.id)).size).toBe(400);
    expect([...DEAD_LETTERED_TABLES].sort()).toEqual(['contracts', 'market_data', 'observed_events', 'positions']);
  });

  it('every malformed contracts row is refused by contract-ingest with the reason the run expects', () => {
    const contracts = rows.filter((r): r is Extract<MalformedRow, { table: 'contracts' }> => r.table === 'contracts');
    for (const r of contracts) {
      let reason = '';
      try {
        termsOfRow(r.contractId, { terms: r.terms, contract_type: r.contractType });
      } catch (e) {
        reason = (e as Error).message;
      }
      expect(reason, r.terms.slice(0, 80)).toMatch(r.reason);
    }
    // the kinds drawn: not JSON, not an object, unknown type, type mismatch, maturity before IED
    expect(new Set(contracts.map((r) => r.reason.source)).size).toBe(5);
  });

  it('market data and observed events carry values or states the ingests refuse, timestamps in whole seconds', () => {
    for (const r of rows) {
      if (r.table === 'market_data') expect(['NaN', 'Infinity', '-Infinity']).toContain(r.value);
      if (r.table === 'observed_events') expect(r.value === 'NaN' || r.states === '{"notionalPrincipal":').toBe(true);
      if (r.table === 'market_data' || r.table === 'observed_events') expect(r.observedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }
  });

  it('every malformed positions row is refused by positions-ingest with the reason the run expects', async () => {
    const positions = rows.filter((r): r is Extract<MalformedRow, { table: 'positions' }> => r.table === 'positions');
    expect(positions.length).toBe(100);
    // the quantity as Debezium's JSON converter writes a double that is NaN or infinite: a string
    const out = await positionsIngest.process(
      positions.map((r, i) => cdcRecord('cdcPositions', 'c', { position_id: r.positionId, portfolio_id: r.portfolioId, contract_id: r.contractId, quantity: r.quantity }, i + 1)),
      context(new MemoryStateStore()),
    );
    expect(out.deadLetters).toHaveLength(positions.length);
    out.deadLetters.forEach((d, i) => expect(d.reason).toMatch(positions[i].reason));
    expect(new Set(positions.map((r) => r.quantity))).toEqual(new Set(['NaN', 'Infinity']));
  });
});
