import { describe, expect, it } from 'vitest';
import { stagedRows, type ContractResult } from './database.js';
import { cashflowCopyChunks, copyLines } from './postgres.js';

const text = (chunks: Iterable<Buffer | string>) => [...chunks].map((c) => c.toString()).join('');

describe('COPY text of contract_cashflows', () => {
  it('equals the generic row formatting, escapes included, for computed results only', () => {
    const results: ContractResult[] = [];
    for (let k = 0; k < 300; k++) {
      results.push({
        contractId: k % 7 === 0 ? `odd\tid\\${k}\n` : `c-${k}`,
        version: 1_000_000_000_000 + k,
        fingerprint: 'f',
        status: k % 11 === 0 ? 'waiting' : k % 13 === 0 ? 'deleted' : 'computed',
        reason: null,
        computedAt: '2026-01-01T00:00:00',
        events: Array.from({ length: (k % 5) * 400 }, (_, i) => ({
          eventDate: `2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00`,
          eventType: i % 9 === 0 ? 'I\rP' : 'IP',
          currency: i % 4 === 0 ? null : 'USD',
          payoff: i % 17 === 0 ? NaN : i % 19 === 0 ? -Infinity : i * 1.1,
          notionalPrincipal: i % 3 === 0 ? null : 1e5,
          nominalInterestRate: i % 23 === 0 ? Infinity : 0.05,
          accruedInterest: i % 2 ? null : -0.5 * i,
          exerciseDate: null,
          exerciseAmount: null,
        })),
      });
    }
    const chunks = [...cashflowCopyChunks(results)];
    expect(chunks.length).toBeGreaterThan(1); // ~1 MB chunks
    const expected = text(
      copyLines(results.flatMap(stagedRows), (r) => [r.contractId, r.seq, r.eventDate, r.eventType, r.currency, r.payoff, r.notionalPrincipal, r.nominalInterestRate, r.accruedInterest, r.version]),
    );
    expect(text(chunks)).toBe(expected);
    expect(expected).toContain('odd\\tid\\\\7\\n\t');
    expect(expected).toContain('\tI\\rP\t');
  });
});
