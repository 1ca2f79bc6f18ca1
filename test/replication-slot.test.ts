// The source connector's replication slot keeps up while only result tables are written (a full
// recompute): the connector's heartbeat rewrites a row of a captured table of its own, so that
// PostgreSQL can recycle the WAL behind it (docs/operations.md "The replication slot"). Without
// it, 100 MB of uncaptured rows stayed retained for as long as no source row changed.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineEnv } from './support/pipeline-env.js';

const env = new PipelineEnv('slot');
let server: pg.Client;
let db: pg.Client;

/** WAL bytes the slot has not confirmed (what PostgreSQL must keep for it). */
async function unconfirmed(): Promise<number> {
  const { rows } = await server.query<{ lag: string }>(
    'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) AS lag FROM pg_replication_slots WHERE slot_name = $1',
    [env.connector.slotName],
  );
  return Number(rows[0]?.lag ?? NaN);
}

beforeAll(async () => {
  await env.setUp();
  server = new pg.Client({ connectionString: env.server });
  db = new pg.Client({ connectionString: env.config.database.url });
  await Promise.all([server.connect(), db.connect()]);
});

afterAll(async () => {
  await Promise.all([server?.end(), db?.end()].map((p) => p?.catch(() => undefined)));
  await env.tearDown();
});

describe('the replication slot while only result tables are written', () => {
  it('moves within two heartbeats: the WAL of 100,000 result rows is released without any source change', async () => {
    // result rows only, as the sink writes them: nothing the connector captures
    await db.query(
      `INSERT INTO contract_cashflows (contract_id, version, seq, event_date, event_type, currency, payoff)
       SELECT 'slot-' || (i / 100), 1, i % 100, timestamp '2030-01-01' + i * interval '1 day', 'IP', 'USD', i
       FROM generate_series(0, 99999) AS i`,
    );
    const after = await unconfirmed();
    expect(after).toBeGreaterThan(5_000_000); // the insert's WAL is there, unconfirmed
    const started = Date.now();
    let lag = after;
    while (Date.now() - started < 40_000 && lag > 100_000) {
      await new Promise((r) => setTimeout(r, 500));
      lag = await unconfirmed();
    }
    process.stderr.write(`replication slot test: ${after} bytes unconfirmed after the insert, ${lag} after ${Date.now() - started} ms\n`);
    expect(lag).toBeLessThan(100_000);
    const beat = await db.query<{ beat_at: Date }>('SELECT beat_at FROM cdc_heartbeat WHERE id = 1');
    expect(beat.rows).toHaveLength(1);
  });
});
