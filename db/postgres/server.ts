// Server-level operations through the server's `postgres` database: creating and dropping a
// database, dropping a replication slot a Debezium connector left (docs/operations.md).
import { assertIdentifier } from '../database.js';
import { standaloneClient } from './connection.js';
import { classify } from './errors.js';

/** The server's `postgres` database (for CREATE/DROP DATABASE and replication slots). */
function adminUrl(serverUrl: string): string {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  return admin.toString();
}

/** Creates the database `name` of `url` unless it exists; whether it did. */
export async function createDatabaseIfMissing(url: string, name: string): Promise<boolean> {
  const admin = adminUrl(url);
  const client = standaloneClient(admin);
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    assertIdentifier('database', name);
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } catch (e) {
      if ((e as { code?: string }).code === '42P04') return false; // created concurrently
      throw e;
    }
    return true;
  } catch (e) {
    return classify(admin, e);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Drops a replication slot once its connector has let go of it. Deleting a Debezium connector
 * leaves its slot, which keeps WAL forever and blocks DROP DATABASE (docs/operations.md).
 */
export async function dropReplicationSlot(
  serverUrl: string,
  slotName: string,
  timeoutMs = 30_000,
): Promise<boolean> {
  const client = standaloneClient(adminUrl(serverUrl)); // slots are per cluster; the database of the URL may be gone
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ active: boolean; active_pid: number | null }>(
        'SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1',
        [slotName],
      );
      if (rows.length === 0) return false;
      if (!rows[0].active) {
        try {
          await client.query('SELECT pg_drop_replication_slot($1)', [slotName]);
          return true;
        } catch (e) {
          if ((e as { code?: string }).code !== '55006') throw e; // became active again: wait
        }
      } else if (Date.now() > deadline && rows[0].active_pid) {
        // the connector is gone but its walsender lingers: end it
        await client.query('SELECT pg_terminate_backend($1)', [rows[0].active_pid]);
      }
      if (Date.now() > deadline + 10_000)
        throw new Error(`replication slot ${slotName} still active after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.end();
  }
}

/** Drops a database, disconnecting its sessions (tests and cleanup). */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertIdentifier('database', name);
  const client = standaloneClient(adminUrl(serverUrl));
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
