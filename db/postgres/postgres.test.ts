// Runs against the machine's PostgreSQL (127.0.0.1:5432, or TEST_POSTGRES_URL), each run in
// its own database, dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDatabaseBehaviour } from '../../test/database-behaviour.js';
import { dropDatabase, isTransientPgError, PostgresDatabase, standaloneClient } from './index.js';
import { RELATIONS } from '../schema.js';

const server = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const dbName = `cashflow_test_${randomBytes(4).toString('hex')}`;
const url = Object.assign(new URL(server), { pathname: `/${dbName}` }).toString();
const publication = `cashflow_cdc_${randomBytes(3).toString('hex')}`;
let db: PostgresDatabase;
let raw: pg.Client;

beforeAll(async () => {
  db = new PostgresDatabase(url);
  const outcome = await db.migrate({ publication });
  expect(outcome.createdDatabase).toBe(true);
  expect(outcome.applied).toEqual(['001_init', '002_cdc_heartbeat', '003_cashflows_version_key']);
  raw = new pg.Client({ connectionString: url });
  await raw.connect();
});

afterAll(async () => {
  await raw?.end();
  await db?.close();
  await dropDatabase(server.toString(), dbName);
});

describe('PostgresDatabase.migrate', () => {
  it('is idempotent: a second run applies nothing and creates nothing', async () => {
    const again = await db.migrate({ publication });
    expect(again).toMatchObject({ database: dbName, createdDatabase: false, applied: [] });
  });

  it('creates every table and the view with exactly the columns and types of db/schema.ts', async () => {
    const { rows } = await raw.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name NOT IN ('cashflow_schema_migrations', 'cdc_heartbeat')
       ORDER BY table_name, ordinal_position`,
    );
    for (const r of RELATIONS) {
      const actual = rows.filter((c) => c.table_name === r.name).map((c) => [c.column_name, c.data_type]);
      expect(actual, r.name).toEqual(r.columns.map((c) => [c.name, c.postgres]));
      if (r.kind === 'table') {
        const nullable = rows.filter((c) => c.table_name === r.name).map((c) => c.is_nullable === 'YES');
        expect(nullable, r.name).toEqual(r.columns.map((c) => c.nullable));
      }
    }
    expect(new Set(rows.map((c) => c.table_name))).toEqual(new Set(RELATIONS.map((r) => r.name)));
  });

  it('sets REPLICA IDENTITY FULL on the captured tables and publishes exactly them and the connector heartbeat table', async () => {
    const identity = await raw.query<{ relname: string; relreplident: string }>(
      `SELECT relname, relreplident FROM pg_class WHERE relname = ANY($1::text[])`,
      [['contracts', 'positions', 'market_data', 'observed_events']],
    );
    expect(identity.rows.map((r) => r.relreplident)).toEqual(['f', 'f', 'f', 'f']);
    const published = await raw.query<{ tablename: string }>(
      'SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename',
      [publication],
    );
    expect(published.rows.map((r) => r.tablename)).toEqual([
      'cdc_heartbeat',
      'contracts',
      'market_data',
      'observed_events',
      'positions',
    ]);
  });

  it('completes a publication that lacks some of the tables (one made before the heartbeat table)', async () => {
    const older = `${publication}_old`;
    await raw.query(`CREATE PUBLICATION ${older} FOR TABLE contracts, positions`);
    try {
      await db.migrate({ publication: older });
      const published = await raw.query<{ tablename: string }>('SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename', [older]);
      expect(published.rows.map((r) => r.tablename)).toEqual(['cdc_heartbeat', 'contracts', 'market_data', 'observed_events', 'positions']);
    } finally {
      await raw.query(`DROP PUBLICATION ${older}`);
    }
  });

  it("keys contract_cashflows by (contract_id, version, seq) (docs/operations.md \"The result table's key\")", async () => {
    const key = await raw.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'contract_cashflows'::regclass AND contype = 'p'`,
    );
    expect(key.rows.map((r) => r.def)).toEqual(['PRIMARY KEY (contract_id, version, seq)']);
  });
});

describeDatabaseBehaviour(
  'PostgresDatabase',
  () => db,
  async (sql) => (await raw.query(sql)).rows,
);

describe('isTransientPgError', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('a lost connection without SQLSTATE is transient (immediate shutdown, killed backend)', () => {
    expect(isTransientPgError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientPgError(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isTransientPgError(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('shutdown, startup, connection classes, conflicts and socket errors are transient', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '40001', '40P01', '53300', 'ECONNREFUSED', 'ECONNRESET']) {
      expect(isTransientPgError(withCode(code)), code).toBe(true);
    }
  });

  it('what the server refused for good is not, nor an error of our own code', () => {
    for (const code of ['42P01', '23505', '22P02', '42601']) expect(isTransientPgError(withCode(code, 'Connection terminated')), code).toBe(false);
    expect(isTransientPgError(new TypeError("Cannot read properties of undefined (reading 'length')"))).toBe(false);
    expect(isTransientPgError('Connection terminated')).toBe(false);
    expect(isTransientPgError(null)).toBe(false);
  });
});

describe('standaloneClient', () => {
  it('a session ended under it fails its next query with a transient error, and nothing else happens', async () => {
    const client = standaloneClient(url);
    await client.connect();
    try {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await raw.query('SELECT pg_terminate_backend($1)', [pid]);
      // the socket closes while no query runs: node-postgres emits 'error' on the client (without
      // a listener Node ends the process, and vitest reports an unhandled error)
      await new Promise((r) => setTimeout(r, 200));
      const e = await client.query('SELECT 1').then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(Error);
      expect(isTransientPgError(e), (e as Error).message).toBe(true);
    } finally {
      await client.end().catch(() => {});
    }
  });
});

describe('PostgresDatabase.storedResults through COPY binary', () => {
  it('quotes awkward ids into the COPY statement and reads exactly their rows', async () => {
    const ids = [`cb-q'uote`, 'cb-back\\slash', 'cb-ü€\ttab'];
    for (const [k, id] of ids.entries()) {
      await raw.query(
        `INSERT INTO contract_cashflows (contract_id, seq, event_date, event_type, currency, payoff, version) VALUES ($1, 0, '2030-06-15T12:34:56.789', 'IP', NULL, $2, 9007199254740993)`,
        [id, 0.1 * (k + 1)],
      );
    }
    const got = (await db.storedResults({ ids: [...ids, `cb-q'uote' OR true --`] })).rows.toRows();
    expect(got.map((r) => r.contractId).sort()).toEqual([...ids].sort()); // the injection attempt is one id, found nowhere
    const byId = new Map(got.map((r) => [r.contractId, r]));
    for (const [k, id] of ids.entries()) {
      // fractions of a second are cut as the text read cuts them; bigint 2^53+1 becomes the double 2^53 as Number('…993') does
      expect(byId.get(id)).toEqual({ contractId: id, seq: 0, eventDate: '2030-06-15T12:34:56', eventType: 'IP', currency: null, payoff: 0.1 * (k + 1), notionalPrincipal: null, nominalInterestRate: null, accruedInterest: null, version: 9007199254740992 });
    }
  });

  it('a page holding a timestamp whose text form differs (infinity) is read as text, as before', async () => {
    await raw.query(`INSERT INTO contract_cashflows (contract_id, seq, event_date, event_type, currency, payoff, version) VALUES ('cb-inf', 0, 'infinity', 'MD', 'USD', 2, 1), ('cb-inf', 1, '2031-01-01', 'MD', 'USD', 3, 1)`);
    const got = await db.storedResults({ ids: ['cb-inf'] });
    expect(got.rows.toRows().map((r) => [r.seq, r.eventDate, r.payoff])).toEqual([
      [0, 'infinity', 2],
      [1, '2031-01-01T00:00:00', 3],
    ]);
  });
});
