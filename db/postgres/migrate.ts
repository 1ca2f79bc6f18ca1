// `cashflow db migrate` on PostgreSQL: the database created if missing, the schema migrations
// (db/sql/postgres) applied once each in order, and the publication the source connector reads
// (docs/operations.md).
import { assertIdentifier, migrations, type MigrateOptions, type MigrateOutcome } from '../database.js';
import { CAPTURED_TABLES, CDC_HEARTBEAT_TABLE } from '../schema.js';
import type { PostgresPool } from './connection.js';
import { classify } from './errors.js';
import { createDatabaseIfMissing } from './server.js';

/** The publication (and the connector's replication slot) unless told otherwise. */
export const DEFAULT_PUBLICATION = 'cashflow_cdc';

export async function migrate(db: PostgresPool, options: MigrateOptions = {}): Promise<MigrateOutcome> {
  const publication = options.publication ?? DEFAULT_PUBLICATION;
  assertIdentifier('publication', publication);
  const createdDatabase = await createDatabaseIfMissing(db.url, db.name);
  const client = await db.client();
  const applied: string[] = [];
  const warnings: string[] = [];
  try {
    // Two `db migrate` at once (several processes starting) take turns.
    await client.query(`SELECT pg_advisory_lock(hashtext('cashflow_schema_migrations'))`);
    await client.query(`CREATE TABLE IF NOT EXISTS cashflow_schema_migrations (
      id text NOT NULL PRIMARY KEY, applied_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'))`);
    const done = new Set(
      (await client.query<{ id: string }>('SELECT id FROM cashflow_schema_migrations')).rows.map(
        (r) => r.id,
      ),
    );
    for (const m of migrations('postgres')) {
      if (done.has(m.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO cashflow_schema_migrations (id) VALUES ($1)', [m.id]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.id} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.id);
    }
    // the connector's heartbeat table too (connectors/debezium.ts; in its include list as well,
    // since the connector sets the publication's tables to that list at its start)
    const published = [...CAPTURED_TABLES, CDC_HEARTBEAT_TABLE];
    // one rule for a new publication and an older one (made before the heartbeat table existed):
    // it holds every table of `published`
    const exists = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
    if (exists.rowCount === 0) await client.query(`CREATE PUBLICATION ${publication}`);
    const have = new Set((await client.query<{ tablename: string }>('SELECT tablename FROM pg_publication_tables WHERE pubname = $1', [publication])).rows.map((r) => r.tablename));
    const missing = published.filter((t) => !have.has(t));
    if (missing.length) await client.query(`ALTER PUBLICATION ${publication} ADD TABLE ${missing.join(', ')}`);
    const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
    if (wal.rows[0]?.wal_level !== 'logical') {
      warnings.push(
        `wal_level is ${wal.rows[0]?.wal_level}: Debezium needs logical ` +
          `(ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL; \`cashflow stack up\` does it)`,
      );
    }
  } catch (e) {
    return classify(db.url, e);
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('cashflow_schema_migrations'))`).catch(() => {});
    client.release();
  }
  return { database: db.name, createdDatabase, applied, warnings };
}

