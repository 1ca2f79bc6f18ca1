// `cashflow db check` on PostgreSQL, through the built CLI (bin/cashflow.js → dist/: needs
// `npm run build`), against a database of its own on the local PostgreSQL (wal_level=logical),
// with a publication and a replication slot of its own, all removed at the end.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoFile } from '../config/repo-file.js';
import { dropDatabase, PostgresDatabase } from '../db/postgres/index.js';

const server = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const suffix = randomBytes(4).toString('hex');
const dbName = `cashflow_check_${suffix}`;
const publication = `cashflow_check_pub_${suffix}`;
const slot = `cashflow_check_slot_${suffix}`;
const url = Object.assign(new URL(server), { pathname: `/${dbName}` }).toString();
let raw: pg.Client;

async function dbCheck(extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [repoFile('bin', 'cashflow.js'), 'db', 'check'], {
      env: { ...process.env, DATABASE_DIALECT: 'postgres', DATABASE_URL: url, CDC_PUBLICATION_NAME: publication, CDC_SLOT_NAME: slot, ...extraEnv },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** `<name> <status>` of each line. */
const statuses = (stdout: string) => Object.fromEntries(stdout.trim().split('\n').map((l) => l.split(' ').slice(0, 2)));

beforeAll(async () => {
  const db = new PostgresDatabase(url);
  await db.migrate({ publication });
  await db.close();
  raw = new pg.Client({ connectionString: url });
  await raw.connect();
});

afterAll(async () => {
  await raw?.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => {});
  await raw?.end();
  await dropDatabase(server.toString(), dbName);
});

describe('cashflow db check (PostgreSQL)', () => {
  it('prints one line per check and exits non-zero while the slot is missing', async () => {
    const r = await dbCheck();
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['connection', 'wal-level', 'replication-capacity', 'replication-role', 'publication', 'slot', 'schema']);
    for (const l of lines) expect(l).toMatch(/^[a-z-]+ (ok|warn|fail) \S/);
    expect(statuses(r.stdout)).toMatchObject({ 'wal-level': 'ok', 'replication-role': 'ok', publication: 'ok', slot: 'fail', schema: 'ok' });
    expect(r.stdout).toMatch(new RegExp(`^slot fail replication slot ${slot} does not exist .* — cashflow connectors apply$`, 'm'));
    expect(r.stderr).toMatch(/1 of 7 checks failed: slot/);
  });

  it('a publication missing a captured table fails, naming the table and the command', async () => {
    await raw.query(`ALTER PUBLICATION ${publication} DROP TABLE market_data`);
    try {
      const r = await dbCheck();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^publication fail publication ${publication} lacks market_data — ALTER PUBLICATION ${publication} ADD TABLE market_data$`, 'm'));
    } finally {
      await raw.query(`ALTER PUBLICATION ${publication} ADD TABLE market_data`);
    }
  });

  it('with the slot created (no connector reading it: a warning) it exits 0', async () => {
    await raw.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const r = await dbCheck();
    expect(statuses(r.stdout)).toMatchObject({ slot: 'warn', publication: 'ok', 'wal-level': 'ok' });
    expect(r.code).toBe(0);
  });

  it('a connector login without REPLICATION fails the role check', async () => {
    const role = `cashflow_check_role_${suffix}`;
    await raw.query(`CREATE ROLE ${role} LOGIN`);
    try {
      const r = await dbCheck({ CDC_DATABASE_URL: Object.assign(new URL(url), { username: role }).toString() });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^replication-role fail role ${role} lacks REPLICATION.* — ALTER ROLE ${role} WITH REPLICATION$`, 'm'));
    } finally {
      await raw.query(`DROP ROLE ${role}`);
    }
  });
});
