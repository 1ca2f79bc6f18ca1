// The SQL Server twin on a real SQL Server: under `npm run test:docker` (docker-compose's
// SQL Server 2022 with Agent) or wherever MSSQL_URL points at one. Skipped otherwise: this
// machine has none. Same behaviour suite as the PostgreSQL twin, in a database of its own.
import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseConfigurationError, UnwritableResultError } from '../db/database.js';
import { BulkValueError, ID_COLLATION, MssqlDatabase, mssqlConfig } from '../db/mssql/index.js';
import { RELATIONS } from '../db/schema.js';
import { describeDatabaseBehaviour } from './database-behaviour.js';
import { testEnv } from './env/index.js';

const available = process.env.CASHFLOW_TEST_ENV === 'docker' || Boolean(process.env.MSSQL_URL);
const dbName = `cashflow_test_${randomBytes(4).toString('hex')}`;
let db: MssqlDatabase;
let raw: sql.ConnectionPool;
let masterUrl: string;

describe.skipIf(!available)('MssqlDatabase on SQL Server', () => {
  beforeAll(async () => {
    const env = await testEnv();
    const server = env.mssql?.url ?? process.env.MSSQL_URL!;
    masterUrl = server;
    const url = Object.assign(new URL(server), { pathname: `/${dbName}` }).toString();
    db = new MssqlDatabase(url);
    const outcome = await db.migrate();
    expect(outcome).toMatchObject({ database: dbName, createdDatabase: true, applied: ['001_init'] });
    raw = await new sql.ConnectionPool(mssqlConfig(url)).connect();
  }, 300_000);

  afterAll(async () => {
    await raw?.close();
    await db?.close();
    if (!masterUrl) return;
    const master = await new sql.ConnectionPool({ ...mssqlConfig(masterUrl), database: 'master' }).connect();
    try {
      await dropDatabase(master, dbName);
    } finally {
      await master.close();
    }
  });

  it('is idempotent: a second migrate applies nothing', async () => {
    expect(await db.migrate()).toMatchObject({ createdDatabase: false, applied: [] });
  });

  it('creates every table and the view with the columns and types of db/schema.ts', async () => {
    const { recordset } = await raw.request().query<{
      TABLE_NAME: string;
      COLUMN_NAME: string;
      DATA_TYPE: string;
      CHARACTER_MAXIMUM_LENGTH: number | null;
    }>(`SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS
        WHERE TABLE_SCHEMA = 'dbo' AND TABLE_NAME <> 'cashflow_schema_migrations' ORDER BY TABLE_NAME, ORDINAL_POSITION`);
    for (const r of RELATIONS) {
      const actual = recordset
        .filter((c) => c.TABLE_NAME === r.name)
        .map((c) => {
          const len = c.CHARACTER_MAXIMUM_LENGTH;
          return [c.COLUMN_NAME, len === null ? c.DATA_TYPE : `${c.DATA_TYPE}(${len === -1 ? 'max' : len})`];
        });
      expect(actual, r.name).toEqual(r.columns.map((c) => [c.name, c.mssql]));
    }
  });

  it('enables CDC on the database and the four source tables', async () => {
    const tracked = await raw
      .request()
      .query<{ name: string }>('SELECT name FROM sys.tables WHERE is_tracked_by_cdc = 1 ORDER BY name');
    expect(tracked.recordset.map((t) => t.name)).toEqual([
      'contracts',
      'market_data',
      'observed_events',
      'positions',
    ]);
  });

  it('turns on READ_COMMITTED_SNAPSHOT and ALLOW_SNAPSHOT_ISOLATION, and lifts max text repl size', async () => {
    const [opts] = (await raw.request().query(`SELECT is_read_committed_snapshot_on AS rcsi, snapshot_isolation_state AS si FROM sys.databases WHERE database_id = DB_ID()`)).recordset;
    expect(opts).toEqual({ rcsi: true, si: 1 });
    const [repl] = (await raw.request().query(`SELECT CAST(value_in_use AS bigint) AS v FROM sys.configurations WHERE name = N'max text repl size (B)'`)).recordset;
    expect(Number(repl.v)).toBe(-1);
    // terms over 65,536 bytes into a captured table (Msg 7139 with the default)
    const terms = JSON.stringify({ contractType: 'PAM', note: 'x'.repeat(70_000) });
    await db.upsertContracts([{ contractId: 'big-terms', contractType: 'PAM', terms }]);
    expect((await raw.request().query(`SELECT LEN(terms) AS n FROM dbo.contracts WHERE contract_id = N'big-terms'`)).recordset[0].n).toBe(terms.length);
  });

  it('binary-collated ids: the tables and the #temp tables agree, whatever tempdb uses', async () => {
    const cols = (await raw.request().query(`SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS collation FROM INFORMATION_SCHEMA.COLUMNS
      WHERE COLUMN_NAME IN ('contract_id', 'position_id', 'portfolio_id', 'market_object_code') AND TABLE_SCHEMA = 'dbo'`)).recordset;
    expect(cols.length).toBeGreaterThanOrEqual(7);
    for (const c of cols) expect(c.collation, `${c.t}.${c.c}`).toBe(ID_COLLATION);
  });

  it('ids over 200 characters and NaN amounts get a clear error before the database (not Msg 4815 / "Invalid number.")', async () => {
    const long = 'k'.repeat(201);
    await expect(db.applyResults([{ contractId: long, version: 1, fingerprint: 'f', status: 'computed', reason: null, computedAt: '2026-01-01T00:00:00', events: [] }])).rejects.toBeInstanceOf(UnwritableResultError);
    await expect(db.upsertContracts([{ contractId: long, contractType: 'PAM', terms: '{}' }])).rejects.toBeInstanceOf(BulkValueError);
    await expect(db.upsertMarketData([{ marketObjectCode: 'M', observedAt: '2026-01-01T00:00:00', value: Number.NaN }])).rejects.toThrow(/value: NaN is not a finite number/);
  });

  it('db check: a migrated database on the compose SQL Server (Agent on) passes every check; TLS without verification warns', async () => {
    const checks = Object.fromEntries((await db.check()).map((c) => [c.name, c.status]));
    expect(checks).toEqual({
      connection: 'ok', tls: 'warn', compatibility: 'ok', schema: 'ok', permissions: 'ok', 'cdc-database': 'ok', 'cdc-tables': 'ok',
      agent: 'ok', 'capture-job': 'ok', 'snapshot-isolation': 'ok', rcsi: 'ok', collation: 'ok', 'max-text-repl-size': 'ok',
    });
  });

  it('warns when the CDC capture job is not running, and says how to start it', async () => {
    await raw.request().batch(`EXEC sys.sp_cdc_stop_job @job_type = N'capture'`);
    try {
      const outcome = await db.migrate();
      expect(outcome.warnings.join('\n')).toMatch(/capture job cdc\.\w+_capture is not running.*sp_cdc_start_job/);
    } finally {
      await raw.request().batch(`EXEC sys.sp_cdc_start_job @job_type = N'capture'`);
    }
  });

  describeDatabaseBehaviour(
    'MssqlDatabase',
    () => db,
    async (text) => (await raw.request().query(text)).recordset as Record<string, unknown>[],
  );
});

/** A database of its own on the same server, dropped at the end (CDC off first). */
async function dropDatabase(master: sql.ConnectionPool, name: string): Promise<void> {
  await master.request().batch(`IF DB_ID(N'${name}') IS NOT NULL
    BEGIN
      EXEC(N'USE ${name}; IF (SELECT is_cdc_enabled FROM sys.databases WHERE database_id = DB_ID()) = 1 EXEC sys.sp_cdc_disable_db');
      ALTER DATABASE ${name} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
      DROP DATABASE ${name};
    END`);
}

describe.skipIf(!available)('MssqlDatabase on SQL Server: first-run conditions', () => {
  let server: string;
  let master: sql.ConnectionPool;
  const created: string[] = [];
  const urlOf = (name: string, user?: { name: string; password: string }) => {
    const u = Object.assign(new URL(server), { pathname: `/${name}` });
    if (user) Object.assign(u, { username: user.name, password: encodeURIComponent(user.password) });
    return u.toString();
  };

  beforeAll(async () => {
    const env = await testEnv();
    server = env.mssql?.url ?? process.env.MSSQL_URL!;
    master = await new sql.ConnectionPool({ ...mssqlConfig(server), database: 'master' }).connect();
  }, 300_000);

  afterAll(async () => {
    for (const name of created) await dropDatabase(master, name).catch(() => {});
    await master?.close();
  });

  it('a database whose collation differs from tempdb\'s (Msg 468 before): the sink writes and ids keep their case', async () => {
    const name = `cashflow_coll_${randomBytes(4).toString('hex')}`;
    created.push(name);
    const [temp] = (await master.request().query(`SELECT CONVERT(nvarchar(128), DATABASEPROPERTYEX('tempdb', 'Collation')) AS c`)).recordset;
    const other = temp.c === 'Japanese_XJIS_140_CI_AS' ? 'Latin1_General_CS_AS' : 'Japanese_XJIS_140_CI_AS';
    await master.request().batch(`CREATE DATABASE ${name} COLLATE ${other}`);
    const db = new MssqlDatabase(urlOf(name));
    try {
      await db.migrate();
      const ev = { eventDate: '2027-01-01T00:00:00', eventType: 'IP', currency: 'USD', payoff: 1, notionalPrincipal: 1, nominalInterestRate: 0.1, accruedInterest: 0, exerciseDate: null, exerciseAmount: null };
      const out = await db.applyResults(['abc', 'ABC'].map((contractId) => ({ contractId, version: 1, fingerprint: 'f', status: 'computed' as const, reason: null, computedAt: '2026-01-01T00:00:00', events: [ev] })));
      expect(out.applied.sort()).toEqual(['ABC', 'abc']);
      expect((await db.cashflowVersions(['abc', 'ABC'])).length).toBe(2);
      await db.upsertPositions([{ positionId: 'p', portfolioId: 'book', contractId: 'abc', quantity: 2 }]);
      expect((await db.portfolioCashflows('book')).map((r) => r.payoff)).toEqual([2]);
    } finally {
      await db.close();
    }
  });

  it('concurrent `db migrate` runs take turns (application lock): all succeed, the migration is applied once', async () => {
    const name = `cashflow_race_${randomBytes(4).toString('hex')}`;
    created.push(name);
    await master.request().batch(`CREATE DATABASE ${name}`);
    const dbs = [0, 1, 2].map(() => new MssqlDatabase(urlOf(name)));
    try {
      const outcomes = await Promise.all(dbs.map((d) => d.migrate()));
      expect(outcomes.flatMap((o) => o.applied).sort()).toEqual(['001_init']);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });

  it('a login with only the documented runtime rights (db_datareader, db_datawriter) runs the sink and the reads', async () => {
    const name = `cashflow_rights_${randomBytes(4).toString('hex')}`;
    created.push(name);
    const admin = new MssqlDatabase(urlOf(name));
    await admin.migrate();
    await admin.close();
    const user = { name: `cf_app_${randomBytes(3).toString('hex')}`, password: `Cf!${randomBytes(9).toString('hex')}` };
    await master.request().batch(`CREATE LOGIN ${user.name} WITH PASSWORD = N'${user.password}', CHECK_POLICY = OFF;
      EXEC(N'USE ${name}; CREATE USER ${user.name} FOR LOGIN ${user.name}; ALTER ROLE db_datareader ADD MEMBER ${user.name}; ALTER ROLE db_datawriter ADD MEMBER ${user.name};')`);
    const app = new MssqlDatabase(urlOf(name, user));
    try {
      const ev = { eventDate: '2027-01-01T00:00:00', eventType: 'IP', currency: 'USD', payoff: 1, notionalPrincipal: 1, nominalInterestRate: 0.1, accruedInterest: 0, exerciseDate: null, exerciseAmount: null };
      expect((await app.applyResults([{ contractId: 'r1', version: 1, fingerprint: 'f', status: 'computed', reason: null, computedAt: '2026-01-01T00:00:00', events: [ev] }])).applied).toEqual(['r1']);
      expect(await app.cashflowVersion('r1')).toMatchObject({ version: 1, eventCount: 1 });
      await app.upsertContracts([{ contractId: 'r1', contractType: 'PAM', terms: '{}' }]);
      // a wrong password is a configuration error, not "is SQL Server reachable?"
      const wrong = new MssqlDatabase(urlOf(name, { ...user, password: 'wrong' }));
      await expect(wrong.cashflowVersion('r1')).rejects.toSatisfy((e: Error) => e instanceof DatabaseConfigurationError && !/reachable/.test(e.message));
      await wrong.close();
    } finally {
      await app.close();
      await master.request().batch(`EXEC(N'USE ${name}; DROP USER ${user.name}'); DROP LOGIN ${user.name}`).catch(() => {});
    }
  });
});
