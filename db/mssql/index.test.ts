// MssqlDatabase without a server (its behaviour suite, test/mssql.test.ts, needs one): every
// method reaches the connection, and a server that does not answer is DatabaseUnavailableError
// (retried, never dead-lettered: docs/architecture.md, invariant 5) naming the server, not the
// login; what needs no server (an empty batch, a result no column can hold) needs none.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, UnwritableResultError } from '../database.js';
import { MssqlDatabase } from './index.js';

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('MssqlDatabase on a server that does not answer', () => {
  it('each method fails with DatabaseUnavailableError naming the server; empty inputs and unwritable results need no server', async () => {
    const port = await closedPort();
    const db = new MssqlDatabase(`mssql://app:secret@127.0.0.1:${port}/cashflow_x?encrypt=false`);
    expect(db).toMatchObject({ dialect: 'mssql', name: 'cashflow_x' });
    try {
      const calls: [string, () => Promise<unknown>][] = [
        ['migrate', () => db.migrate()],
        ['applyResults', () => db.applyResults([{ contractId: 'K', version: 1, fingerprint: 'f', status: 'deleted', reason: null, computedAt: '2026-01-01T00:00:00', events: [] }])],
        ['contractCashflows', () => db.contractCashflows('K')],
        ['cashflowVersion', () => db.cashflowVersion('K')],
        ['portfolioCashflows', () => db.portfolioCashflows('P', { from: '2026-01-01' })],
        ['cashflowLadder', () => db.cashflowLadder('P', 'quarter')],
        ['upsertContracts', () => db.upsertContracts([{ contractId: 'K', contractType: 'PAM', terms: '{}' }])],
        ['deleteContracts', () => db.deleteContracts(['K'])],
        ['upsertPositions', () => db.upsertPositions([{ positionId: 'X', portfolioId: 'P', contractId: 'K', quantity: 1 }])],
        ['upsertMarketData', () => db.upsertMarketData([{ marketObjectCode: 'M', observedAt: '2026-01-01T00:00:00', value: 1 }])],
        ['verificationIds', () => db.verificationIds(null, 10)],
        ['sourceContracts', () => db.sourceContracts({ ids: ['K'] })],
        ['marketData', () => db.marketData(['M'])],
        ['storedResults', () => db.storedResults({ after: null, through: null })],
        ['portfolioContractIds', () => db.portfolioContractIds('P')],
        ['sampleContractIds', () => db.sampleContractIds(3)],
        ['check', () => db.check()],
      ];
      for (const [name, call] of calls) {
        const error = await call().then(() => undefined, (e: unknown) => e);
        expect(error, name).toBeInstanceOf(DatabaseUnavailableError);
        expect((error as Error).message, name).toContain(`mssql://127.0.0.1:${port}/cashflow_x`);
        expect((error as Error).message, name).not.toContain('secret');
      }
      await expect(db.applyResults([])).resolves.toEqual({ applied: [], skipped: 0, rowsWritten: 0 });
      await expect(db.cashflowVersions([])).resolves.toEqual([]);
      await expect(db.marketData([])).resolves.toEqual([]);
      await expect(db.upsertContracts([])).resolves.toBeUndefined();
      await expect(db.deleteContracts([])).resolves.toBeUndefined();
      await expect(db.applyResults([{ contractId: '', version: 1, fingerprint: null, status: 'deleted', reason: null, computedAt: '', events: [] }])).rejects.toBeInstanceOf(UnwritableResultError);
      await expect(db.cashflowLadder('P', 'week' as 'month')).rejects.toBeInstanceOf(RangeError);
    } finally {
      await db.close();
    }
  });
});
