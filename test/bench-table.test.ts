// `bench table` on the local PostgreSQL: each design on a scratch database of its own, holding
// the same book, timed, and the databases gone afterwards.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runTableBench } from '../bench/table-design.js';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cashflow';

async function benchDatabases(): Promise<string[]> {
  const client = new pg.Client(serverUrl);
  await client.connect();
  try {
    return (await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'cashflow_bench_table_%'`)).rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

describe('bench table', () => {
  it('writes the same book under each design and replaces ticks of it, then drops its databases', async () => {
    const lines: string[] = [];
    const figures = await runTableBench({ contracts: 3000, ticks: 2, designs: ['seq-key', 'version-key'], log: (l) => lines.push(l) });
    expect(figures.map((f) => f.design)).toEqual(['seq-key', 'version-key']);
    // the pipeline bench's schedules: tens of events per contract, the same rows under both keys
    expect(figures[0]!.rows).toBeGreaterThan(3000 * 20);
    expect(figures[1]!.rows).toBe(figures[0]!.rows);
    for (const f of figures) {
      expect(f.tick.p50Ms).toBeGreaterThan(0);
      expect(f.tick.walMb).toBeGreaterThan(0);
      // a recompute of the first 3,000 contracts writes their rows again
      expect(f.full).toMatchObject({ contracts: 3000, rows: f.rows });
    }
    expect(lines.filter((l) => /^(seq|version)-key: tick p50/.test(l))).toHaveLength(2);
    expect(await benchDatabases()).toEqual([]);
  });

  it('names the designs it has when asked for another', async () => {
    await expect(runTableBench({ contracts: 1000, ticks: 1, designs: ['no-such'], log: () => {} })).rejects.toThrow(
      'bench table: no design no-such (seq-key, version-key, id-index)',
    );
  });
});
