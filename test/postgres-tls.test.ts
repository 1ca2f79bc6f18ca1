// PostgreSQL over TLS (README "Secure stack"): a private server (the machine's initdb; test/
// support/private-postgres.ts) with ssl=on, a certificate of a CA made by stack/certificates.ts,
// and TCP connections over TLS only; beside it one without TLS. The pipeline's database client
// (db/postgres/, DATABASE_URL as node-postgres reads it) works with `sslmode` and
// `sslrootcert` in the URL, and each mismatch fails at once with DatabaseConfigurationError
// saying what to change. The machine's shared server is never touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseConfigurationError } from '../db/database.js';
import { PostgresDatabase } from '../db/postgres/index.js';
import { ensureCertificates } from '../stack/certificates.js';
import { Cleanup } from './support/cleanup.js';
import { postgresBinDir, PrivatePostgres } from './support/private-postgres.js';

const bin = postgresBinDir();
const dir = mkdtempSync(join(tmpdir(), 'cashflow-test-pg-tls-'));
let tlsServer: PrivatePostgres;
let plainServer: PrivatePostgres;
let caFile: string;
const opened: PostgresDatabase[] = [];

const database = (url: string) => {
  const db = new PostgresDatabase(url, { max: 1, applicationName: 'cashflow-tls-test' });
  opened.push(db);
  return db;
};
const withTls = (url: string, mode: string, ca?: string) => `${url}?sslmode=${mode}${ca ? `&sslrootcert=${ca}` : ''}`;

beforeAll(async () => {
  if (!bin) return;
  caFile = ensureCertificates(join(dir, 'certs'), 'cashflow test').caCert;
  tlsServer = new PrivatePostgres(bin, { tls: ensureCertificates(join(dir, 'certs')) });
  plainServer = new PrivatePostgres(bin);
  await Promise.all([tlsServer.start(), plainServer.start()]);
});

afterAll(async () => {
  const cleanup = new Cleanup();
  for (const db of opened) await cleanup.attempt('database client', () => db.close());
  await cleanup.attempt('tls server', async () => tlsServer?.remove());
  await cleanup.attempt('plain server', async () => plainServer?.remove());
  rmSync(dir, { recursive: true, force: true });
  cleanup.done();
});

describe.skipIf(!bin)('PostgreSQL over TLS', () => {
  it('migrates and works with sslmode=verify-full (and require) and the CA in DATABASE_URL, over an encrypted session', async () => {
    for (const mode of ['verify-full', 'require']) {
      const url = withTls(tlsServer.url(`cashflow_tls_${mode.replace('-', '_')}`), mode, caFile);
      const db = database(url);
      await db.migrate({ publication: 'cashflow_tls_test' });
      expect(await db.cashflowVersion('none')).toBeNull();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ ssl: boolean; version: string }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        expect(rows[0]).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
      } finally {
        await client.end();
      }
    }
  });

  it('refuses a client without TLS on the TLS-only server with DatabaseConfigurationError naming sslmode', async () => {
    const error = await database(tlsServer.url()).cashflowVersion('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigurationError);
    expect((error as Error).message).toMatch(/no encryption.*accepts TLS connections only: sslmode=verify-full&sslrootcert/);
  });

  it("refuses a client that does not trust the server's certificate (no sslrootcert) with DatabaseConfigurationError", async () => {
    const error = await database(withTls(tlsServer.url(), 'verify-full')).cashflowVersion('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigurationError);
    expect((error as Error).message).toMatch(/certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): sslrootcert=/);
  });

  it('fails at once against a server without TLS when the URL asks for it, naming ssl=off', async () => {
    const error = await database(withTls(plainServer.url(), 'require', caFile)).cashflowVersion('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigurationError);
    expect((error as Error).message).toMatch(/does not support SSL.*sslmode\) but the server has ssl=off/);
  });
});
