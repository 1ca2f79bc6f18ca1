// The end state the fault tests demand of the result tables: every contract of the book has
// exactly the result the calculator computes from the book and its market data (every stored
// field, numbers to the bit: processors/verification.ts), seq 0..n-1 once each, one version per
// contract, cashflow_versions agreeing (status, fingerprint, event count), and nothing stored
// for any contract outside the book. The sources are the test's own (the fault tests feed the
// CDC topics themselves, so the source tables may hold nothing); the results are read from the
// database as `cashflow verify` reads them.
import type { Pool } from 'pg';
import { expect } from 'vitest';
import { loadConfig } from '../../config/config.js';
import type { ContractRow, ContractSelection, MarketDataRow, SourceContracts } from '../../db/database.js';
import { PostgresDatabase } from '../../db/postgres/index.js';
import { mismatchCount } from '../../processors/verification.js';
import { describeMismatches, Verification, type VerificationReader, type VerifyReport } from '../../processors/verify-run.js';

/** A verification reader: sources from memory, results from the database. */
export function bookReader(db: PostgresDatabase, book: readonly ContractRow[], market: readonly MarketDataRow[]): VerificationReader {
  const byId = new Map(book.map((c) => [c.contractId, c]));
  return {
    verificationIds: (after, limit) => db.verificationIds(after, limit),
    async sourceContracts(selection: ContractSelection): Promise<SourceContracts> {
      if (!('ids' in selection)) throw new Error('bookReader reads sources by ids only');
      return { contracts: selection.ids.flatMap((id) => byId.get(id) ?? []), observedEvents: [] };
    },
    async marketData(codes) {
      const wanted = new Set(codes);
      return market.filter((m) => wanted.has(m.marketObjectCode));
    },
    storedResults: (selection) => db.storedResults(selection),
  };
}

/** Verifies the book's contracts and every contract that has a stored result. */
export async function verifyBook(pool: Pool, book: readonly ContractRow[], market: readonly MarketDataRow[]): Promise<VerifyReport> {
  const db = new PostgresDatabase(pool.options.connectionString!, { max: 2, applicationName: 'cashflow-test-verify' });
  try {
    const stored = await pool.query<{ contract_id: string }>('SELECT contract_id FROM cashflow_versions UNION SELECT DISTINCT contract_id FROM contract_cashflows');
    const ids = [...new Set([...book.map((c) => c.contractId), ...stored.rows.map((r) => r.contract_id)])];
    const verification = new Verification(bookReader(db, book, market), { horizon: loadConfig().horizon, maxReported: 50 });
    await verification.ids(ids);
    return verification.report();
  } finally {
    await db.close();
  }
}

export async function expectResultsEqualEngine(pool: Pool, book: readonly ContractRow[], market: readonly MarketDataRow[]): Promise<{ rows: number }> {
  const report = await verifyBook(pool, book, market);
  const c = report.counts;
  const detail = `${JSON.stringify(c)}\n${describeMismatches(report.mismatches, 20).join('\n')}`;
  expect(mismatchCount(c), detail).toBe(0);
  expect(c.equal, detail).toBe(book.length);
  expect(c.checked, detail).toBe(book.length); // nothing stored beyond the book
  expect(c.rows).toBeGreaterThan(0);
  return { rows: c.rows };
}
