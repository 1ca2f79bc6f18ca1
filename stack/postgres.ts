// Prepares the machine's PostgreSQL for Debezium and the registry: wal_level=logical (restarting
// the cluster only when it must), a user with REPLICATION, and the databases the stack uses.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { StackError } from './errors.js';
import { maintenanceUrl } from './health.js';

export const registryDatabase = 'cashflow_registry';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: maintenanceUrl(url),
    connectionTimeoutMillis: 3000,
  });
  await client.connect();
  return client;
}

/** The Debian cluster (`pg_lsclusters`) that listens on `port`, as [version, name]. */
export function clusterOnPort(lsclusters: string, port: number): [string, string] | undefined {
  for (const line of lsclusters.split('\n')) {
    const [version, name, p] = line.trim().split(/\s+/);
    if (version && name && Number(p) === port) return [version, name];
  }
  return undefined;
}

function restartCluster(port: number): void {
  const ls = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  const cluster = ls.status === 0 ? clusterOnPort(ls.stdout, port) : undefined;
  if (!cluster) {
    throw new StackError(
      'postgres',
      `wal_level=logical is set but needs a restart of the server on port ${port}, and no Debian cluster (pg_lsclusters) listens there: restart it by hand`,
    );
  }
  // --skip-systemctl-redirect: there is no systemd here; pg_ctlcluster drives pg_ctl itself.
  const r = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster[0], cluster[1], 'restart'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new StackError(
      'postgres',
      `pg_ctlcluster ${cluster.join(' ')} restart failed: ${(r.stderr || r.stdout).trim()}`,
    );
  }
}

export async function preparePostgres(url: string, log: (line: string) => void): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || 5432);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname);
  let client: pg.Client;
  try {
    client = await connect(url);
  } catch (e) {
    throw new StackError(
      'postgres',
      `cannot connect to ${u.host} as ${u.username || 'postgres'} (${(e as Error).message}): check that PostgreSQL runs and DATABASE_URL`,
    );
  }
  try {
    const wal = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]!.wal_level;
    if (wal !== 'logical') {
      if (!local)
        throw new StackError(
          'postgres',
          `wal_level is ${wal} on ${u.host}; Debezium needs wal_level=logical there`,
        );
      log(`stack: postgres: wal_level is ${wal}; setting logical and restarting the cluster (once)`);
      await client.query('ALTER SYSTEM SET wal_level = logical');
      await client.end();
      restartCluster(port);
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          client = await connect(url);
          break;
        } catch (e) {
          if (Date.now() > deadline)
            throw new StackError('postgres', `did not come back after the restart: ${(e as Error).message}`);
          await sleep(500);
        }
      }
    }
    const role = (
      await client.query<{ rolreplication: boolean; rolsuper: boolean; rolname: string }>(
        'SELECT rolname, rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user',
      )
    ).rows[0]!;
    if (!role.rolreplication && !role.rolsuper) {
      try {
        await client.query(`ALTER ROLE ${quoteIdent(role.rolname)} REPLICATION`);
      } catch (e) {
        throw new StackError(
          'postgres',
          `user ${role.rolname} lacks REPLICATION and cannot be given it (${(e as Error).message}): ALTER ROLE ${role.rolname} REPLICATION as a superuser`,
        );
      }
    }
    const projectDb = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'cashflow';
    for (const db of [registryDatabase, projectDb]) {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (exists.rowCount === 0) {
        try {
          await client.query(`CREATE DATABASE ${quoteIdent(db)}`);
          log(`stack: postgres: created database ${db}`);
        } catch (e) {
          // Another process may create it at the same moment.
          if ((e as { code?: string }).code !== '42P04') throw e;
        }
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
