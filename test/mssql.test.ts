// The SQL Server twin on a real SQL Server: under `npm run test:docker` (docker-compose's
// SQL Server 2022 with Agent) or wherever MSSQL_URL points at one. Skipped otherwise: this
// machine has none. Same behaviour suite as the PostgreSQL twin, in a database of its own.
import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MssqlDatabase, mssqlConfig } from '../db/mssql.js';
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
      await master.request().batch(`IF DB_ID(N'${dbName}') IS NOT NULL
        BEGIN
          EXEC(N'USE ${dbName}; EXEC sys.sp_cdc_disable_db');
          ALTER DATABASE ${dbName} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
          DROP DATABASE ${dbName};
        END`);
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

  describeDatabaseBehaviour(
    'MssqlDatabase',
    () => db,
    async (text) => (await raw.request().query(text)).recordset as Record<string, unknown>[],
  );
});
