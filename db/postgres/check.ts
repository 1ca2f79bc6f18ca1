// `cashflow db check` on PostgreSQL: what Debezium's PostgreSQL connector needs (README
// "Database, topics and connectors"): facts read in one go, judged by a pure function.
import { migrations, schemaCheck, type CheckOptions, type CheckStatus, type DatabaseCheck } from '../database.js';
import { CAPTURED_TABLES } from '../schema.js';
import type { PostgresPool } from './connection.js';
import { DEFAULT_PUBLICATION } from './migrate.js';

/** The facts of `db` and its server, judged by postgresChecks. */
export async function check(db: PostgresPool, options: CheckOptions = {}): Promise<DatabaseCheck[]> {
  const publication = options.publication ?? DEFAULT_PUBLICATION;
  const slot = options.slot ?? DEFAULT_PUBLICATION;
  const setting = async (name: string) => (await db.query<{ setting: string }>('SELECT setting FROM pg_settings WHERE name = $1', [name]))[0]?.setting ?? '';
  const [{ version, user }] = await db.query<{ version: string; user: string }>(`SELECT current_setting('server_version') AS version, current_user AS "user"`);
  const cdcUser = options.cdcUser ?? user;
  const role = (await db.query<{ replication: boolean; superuser: boolean }>('SELECT rolreplication AS replication, rolsuper AS superuser FROM pg_roles WHERE rolname = $1', [cdcUser]))[0];
  const pub = await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  const tables = (await db.query<{ tablename: string }>('SELECT tablename FROM pg_publication_tables WHERE pubname = $1', [publication])).map((r) => r.tablename);
  const slots = await db.query<{ slot_name: string; database: string | null; active: boolean; plugin: string; retained: string | null }>(
    'SELECT slot_name, database, active, plugin, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained FROM pg_replication_slots',
  );
  const own = slots.find((s) => s.slot_name === slot && s.database === db.name);
  const applied = (await db.query<{ id: string }>(`SELECT id FROM cashflow_schema_migrations`).catch(() => [] as { id: string }[])).map((r) => r.id);
  return postgresChecks({
    database: db.name,
    version,
    walLevel: await setting('wal_level'),
    maxReplicationSlots: Number(await setting('max_replication_slots')),
    maxWalSenders: Number(await setting('max_wal_senders')),
    slotsInUse: slots.length,
    cdcUser,
    cdcRole: role,
    publication,
    publishedTables: pub.length ? tables : undefined,
    slot,
    slotState: own ? { active: own.active, plugin: own.plugin, retainedBytes: own.retained === null ? null : Number(own.retained) } : undefined,
    applied,
    expectedMigrations: migrations('postgres').map((m) => m.id),
  });
}

/** What the checks judge, read from the server's catalogs and settings. */
export interface PostgresFacts {
  database: string;
  version: string;
  walLevel: string;
  maxReplicationSlots: number;
  maxWalSenders: number;
  slotsInUse: number;
  cdcUser: string;
  /** undefined: no such role. */
  cdcRole?: { replication: boolean; superuser: boolean };
  publication: string;
  /** Tables of the publication; undefined: no such publication. */
  publishedTables?: string[];
  slot: string;
  /** undefined: no such slot in this database. */
  slotState?: { active: boolean; plugin: string; retainedBytes: number | null };
  applied: string[];
  expectedMigrations: string[];
}

/** The checks of `cashflow db check` on PostgreSQL, from the facts (pure). */
export function postgresChecks(f: PostgresFacts): DatabaseCheck[] {
  const out: DatabaseCheck[] = [];
  const add = (name: string, status: CheckStatus, detail: string, command: string) => out.push({ name, status, detail, command });
  add('connection', 'ok', `PostgreSQL ${f.version}, database ${f.database}`, 'SELECT version()');

  if (f.walLevel !== 'logical') add('wal-level', 'fail', `wal_level is ${f.walLevel}: Debezium needs logical`, 'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL');
  else add('wal-level', 'ok', 'wal_level is logical', 'SHOW wal_level');

  if (f.maxReplicationSlots - f.slotsInUse < (f.slotState ? 0 : 1) || f.maxWalSenders < 1) {
    add('replication-capacity', 'fail', `max_replication_slots ${f.maxReplicationSlots} (${f.slotsInUse} in use), max_wal_senders ${f.maxWalSenders}: no room for the connector's slot`, 'ALTER SYSTEM SET max_replication_slots = 10; ALTER SYSTEM SET max_wal_senders = 10; then restart');
  } else add('replication-capacity', 'ok', `max_replication_slots ${f.maxReplicationSlots} (${f.slotsInUse} in use), max_wal_senders ${f.maxWalSenders}`, 'SHOW max_replication_slots');

  const roleCommand = `SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = '${f.cdcUser}'`;
  if (!f.cdcRole) add('replication-role', 'fail', `role ${f.cdcUser} (the connector's login) does not exist`, `CREATE ROLE ${f.cdcUser} LOGIN REPLICATION PASSWORD '…'`);
  else if (!f.cdcRole.replication && !f.cdcRole.superuser) add('replication-role', 'fail', `role ${f.cdcUser} lacks REPLICATION: the connector cannot open its slot`, `ALTER ROLE ${f.cdcUser} WITH REPLICATION`);
  else add('replication-role', 'ok', `role ${f.cdcUser} has ${f.cdcRole.superuser ? 'SUPERUSER' : 'REPLICATION'}`, roleCommand);

  const pubCommand = `SELECT tablename FROM pg_publication_tables WHERE pubname = '${f.publication}'`;
  if (f.publishedTables === undefined) add('publication', 'fail', `publication ${f.publication} does not exist`, `cashflow db migrate --publication ${f.publication}`);
  else {
    const missing = CAPTURED_TABLES.filter((t) => !f.publishedTables!.includes(t));
    if (missing.length) add('publication', 'fail', `publication ${f.publication} lacks ${missing.join(', ')}`, `ALTER PUBLICATION ${f.publication} ADD TABLE ${missing.join(', ')}`);
    else add('publication', 'ok', `publication ${f.publication} publishes ${CAPTURED_TABLES.join(', ')}`, pubCommand);
  }

  const slotCommand = `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE slot_name = '${f.slot}'`;
  if (!f.slotState) add('slot', 'fail', `replication slot ${f.slot} does not exist in ${f.database} (the connector creates it when it starts)`, 'cashflow connectors apply');
  else {
    const retained = f.slotState.retainedBytes === null ? '' : `, retaining ${Math.round(f.slotState.retainedBytes / 1024 / 1024)} MB of WAL`;
    if (f.slotState.plugin !== 'pgoutput') add('slot', 'fail', `slot ${f.slot} uses ${f.slotState.plugin}, the connector uses pgoutput`, `SELECT pg_drop_replication_slot('${f.slot}'); then cashflow connectors apply`);
    else if (!f.slotState.active) add('slot', 'warn', `slot ${f.slot} exists but no connector reads it${retained}: WAL accumulates`, `cashflow connectors apply (or drop the slot: SELECT pg_drop_replication_slot('${f.slot}'))`);
    else add('slot', 'ok', `slot ${f.slot} active${retained}`, slotCommand);
  }

  out.push(schemaCheck(f.expectedMigrations, f.applied, 'SELECT id FROM cashflow_schema_migrations'));
  return out;
}
