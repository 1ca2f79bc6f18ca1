// Verification.check on an in-memory reader: the page's stored rows grouped by contract, in the
// order the readers give them (one run per contract), and a contract's rows in two runs too.
import { describe, expect, it } from 'vitest';
import { CashflowColumns } from '../db/cashflow-columns.js';
import type { CashflowRow, CashflowVersion, ContractRow } from '../db/database.js';
import { expectedResult, prepareExpectation } from './verification.js';
import { Verification, type VerificationReader } from './verify-run.js';

const terms = (id: string, notional: string) =>
  JSON.stringify({
    contractType: 'PAM',
    contractID: id,
    contractRole: 'RPA',
    currency: 'EUR',
    statusDate: '2019-12-31T00:00:00',
    initialExchangeDate: '2020-01-01T00:00:00',
    maturityDate: '2021-01-01T00:00:00',
    notionalPrincipal: notional,
    nominalInterestRate: '0.05',
    dayCountConvention: '30E360',
    cycleAnchorDateOfInterestPayment: '2020-07-01T00:00:00',
    cycleOfInterestPayment: 'P6ML0',
  });
const contracts: ContractRow[] = [
  { contractId: 'A', contractType: 'PAM', terms: terms('A', '1000') },
  { contractId: 'B', contractType: 'PAM', terms: terms('B', '2000') },
];

/** What the sink stores for a contract: its version row and rows, computed independently of Verification. */
function storedOf(c: ContractRow): { version: CashflowVersion; rows: CashflowRow[] } {
  const e = expectedResult(prepareExpectation(c.contractId, c), new Map(), new Map(), 'P30Y');
  const version: CashflowVersion = { contractId: c.contractId, version: 3, fingerprint: e.fingerprint, eventCount: e.events.length, computedAt: '2026-12-01T00:00:00', status: 'computed', reason: null };
  const rows = e.events.map((ev, seq) => ({ contractId: c.contractId, seq, eventDate: ev.eventDate, eventType: ev.eventType, currency: ev.currency, payoff: ev.payoff, notionalPrincipal: ev.notionalPrincipal, nominalInterestRate: ev.nominalInterestRate, accruedInterest: ev.accruedInterest, version: 3 }));
  return { version, rows };
}

function readerOf(rows: CashflowRow[], versions: CashflowVersion[]): VerificationReader {
  return {
    verificationIds: async () => contracts.map((c) => c.contractId),
    sourceContracts: async () => ({ contracts, observedEvents: [] }),
    marketData: async () => [],
    storedResults: async () => ({ versions, rows: CashflowColumns.of(rows) }),
  };
}

describe('Verification.check', () => {
  const a = storedOf(contracts[0]);
  const b = storedOf(contracts[1]);
  const versions = [a.version, b.version];

  it("groups the rows by contract as the readers order them: every contract equal, every row counted", async () => {
    expect(a.rows.length).toBeGreaterThan(2);
    const v = new Verification(readerOf([...a.rows, ...b.rows], versions), { horizon: 'P30Y' });
    const verdicts = await v.check({ after: null, through: null });
    expect(verdicts.map((x) => [x.contractId, x.kind])).toEqual([['A', 'equal'], ['B', 'equal']]);
    expect(v.counts.rows).toBe(a.rows.length + b.rows.length);
  });

  it("takes a contract's rows in two runs together, in the reader's order", async () => {
    const split = [...a.rows.slice(0, 2), ...b.rows, ...a.rows.slice(2)];
    const v = new Verification(readerOf(split, versions), { horizon: 'P30Y' });
    expect((await v.check({ after: null, through: null })).map((x) => x.kind)).toEqual(['equal', 'equal']);
    const swapped = [a.rows[1], a.rows[0], ...b.rows, ...a.rows.slice(2)];
    const w = new Verification(readerOf(swapped, versions), { horizon: 'P30Y' });
    const verdicts = await w.check({ after: null, through: null });
    expect(verdicts.map((x) => [x.contractId, x.kind])).toEqual([['A', 'differing'], ['B', 'equal']]);
    expect(verdicts[0].differences[0]).toMatchObject({ seq: 1, field: 'seq', expected: 0, found: 1 });
  });
});
