// `cashflow db migrate` on SQL Server: the database when missing, the migrations (db/sql/mssql,
// which enable CDC on the database and its captured tables), the database options readers and
// the connector need, and warnings where CDC cannot capture (Agent, the capture job).
import sql from 'mssql';
import { assertIdentifier, migrations, tsqlBatches, type MigrateOutcome } from '../database.js';
import type { MssqlConnection } from './connection.js';
import { TSQL } from './tsql.js';

/**
 * Creates the database when missing, like the PostgreSQL twin. Production databases are
 * usually created by their DBAs, and a login without rights on master cannot look: then the
 * migration simply proceeds against the configured database.
 */
async function createDatabaseIfMissing(db: MssqlConnection): Promise<boolean> {
  assertIdentifier('database', db.name);
  const master = new sql.ConnectionPool({ ...db.config, database: 'master' });
  try {
    await master.connect();
  } catch {
    return false;
  }
  try {
    const found = await master
      .request()
      .input('name', sql.NVarChar(128), db.name)
      .query(TSQL.databaseExists);
    if (found.recordset.length) return false;
    await master.request().batch(`CREATE DATABASE ${db.name}`);
    return true;
  } catch (e) {
    if ((e as { number?: number }).number === 1801) return false; // created concurrently
    return db.classify(e);
  } finally {
    await master.close();
  }
}

/** Database.migrate on SQL Server. */
export async function migrate(db: MssqlConnection): Promise<MigrateOutcome> {
  const createdDatabase = await createDatabaseIfMissing(db);
  // One connection of its own for the whole migration: it holds the application lock, and
  // READ_COMMITTED_SNAPSHOT can only be switched by the one connection in the database.
  const session = new sql.ConnectionPool({ ...db.config, pool: { max: 1, min: 0 } });
  session.on('error', () => {});
  const applied: string[] = [];
  const warnings: string[] = [];
  try {
    await session.connect();
    await acquireMigrationLock(session);
    await session.request().batch(TSQL.migrationsTable);
    const done = new Set(
      (await session.request().query<{ id: string }>(TSQL.appliedMigrations)).recordset.map((r) => r.id),
    );
    for (const m of migrations('mssql')) {
      if (done.has(m.id)) continue;
      // Batch by batch, outside a transaction: sp_cdc_enable_db refuses to run inside one.
      // Every batch is idempotent, so a failed migration can simply be run again.
      for (const batch of tsqlBatches(m.sql)) await session.request().batch(batch);
      await session.request().input('id', sql.NVarChar(200), m.id).query(TSQL.recordMigration);
      applied.push(m.id);
    }
    warnings.push(...(await ensureDatabaseOptions(session, db.name)));
    warnings.push(...(await captureWarnings(session)));
  } catch (e) {
    return db.classify(e);
  } finally {
    await session.close().catch(() => {});
  }
  return { database: db.name, createdDatabase, applied, warnings };
}

// ---------------------------------------------------------------- migration: lock, options, capture
// Statements of `db migrate` and `db check` (db/mssql/tsql.test.ts parses those the TransactSQL
// grammar knows; ALTER DATABASE it does not, and is checked by pattern).

export const MIGRATION_LOCK = 'cashflow.db-migrate';

export const TSQL_ADMIN = {
  databaseOptions: `SELECT is_read_committed_snapshot_on AS rcsi, snapshot_isolation_state AS snapshot_isolation,
  is_cdc_enabled AS cdc, collation_name AS collation, compatibility_level AS compatibility
FROM sys.databases WHERE database_id = DB_ID()`,
  // READ_COMMITTED_SNAPSHOT: report readers of contract_cashflows read the last committed rows
  // instead of waiting for the sink's transaction (a group of 300 contracts escalates to a
  // table lock). NO_WAIT: fail at once rather than wait for every other session to leave.
  readCommittedSnapshot: `ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON WITH NO_WAIT`,
  // ALLOW_SNAPSHOT_ISOLATION: the connector's snapshot.isolation.mode=snapshot reads the first
  // snapshot without shared locks (repeatable_read escalates to table locks and blocks writers).
  allowSnapshotIsolation: `ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON`,
  maxTextReplSize: `SELECT CAST(value_in_use AS bigint) AS value FROM sys.configurations WHERE name = N'max text repl size (B)'`,
  // -1: no limit. The default 65,536 bytes makes an insert of terms or states longer than that
  // into a captured table fail (Msg 7139).
  raiseMaxTextReplSize: `EXEC sys.sp_configure @configname = N'max text repl size (B)', @configvalue = -1;
RECONFIGURE`,
  // SQL Server Agent keeps sessions named 'SQLAgent - …' while it runs (seeing other sessions
  // needs VIEW SERVER STATE: without it only our own session is visible and nothing can be told).
  agent: `SELECT SUM(CASE WHEN program_name LIKE N'SQLAgent%' THEN 1 ELSE 0 END) AS agent_sessions, COUNT(*) AS visible
FROM sys.dm_exec_sessions`,
  // The capture job of this database and whether it is executing now (msdb, current Agent session).
  captureJob: `SELECT j.name AS job, a.start_execution_date AS started, a.stop_execution_date AS stopped,
  c.pollinginterval AS polling_interval, c.maxtrans AS max_trans, c.maxscans AS max_scans
FROM msdb.dbo.cdc_jobs AS c
JOIN msdb.dbo.sysjobs AS j ON j.job_id = c.job_id
LEFT JOIN msdb.dbo.sysjobactivity AS a ON a.job_id = j.job_id
  AND a.session_id = (SELECT MAX(session_id) FROM msdb.dbo.syssessions)
WHERE c.database_id = DB_ID() AND c.job_type = N'capture'`,
} as const;

/**
 * Takes the session-owned application lock `cashflow.db-migrate` (waits up to 90 s), so
 * that `db migrate` runs started together (several processes starting) take turns instead of
 * racing into Msg 2714 / 2627. Released when the migration's connection closes.
 */
async function acquireMigrationLock(session: sql.ConnectionPool): Promise<void> {
  const r = await session
    .request()
    .input('Resource', sql.NVarChar(255), MIGRATION_LOCK)
    .input('LockMode', sql.NVarChar(32), 'Exclusive')
    .input('LockOwner', sql.NVarChar(32), 'Session')
    .input('LockTimeout', sql.Int, 90_000) // below the 120 s request timeout
    .execute('sp_getapplock');
  const code = r.returnValue as number;
  // 0 granted, 1 granted after waiting; -1 timeout, -2 cancelled, -3 deadlock victim, -999 error
  if (code < 0) throw new MigrationLockError(code);
}

export class MigrationLockError extends Error {
  constructor(readonly code: number) {
    super(`another \`cashflow db migrate\` holds the application lock ${MIGRATION_LOCK} (sp_getapplock returned ${code}${code === -1 ? ': timed out after 90 s' : ''}); run it again when that one has finished`);
    this.name = 'MigrationLockError';
  }
}

export interface DatabaseOptionsRow {
  rcsi: boolean;
  snapshot_isolation: number;
  cdc: boolean;
  collation: string;
  compatibility: number;
}

/** Turns on READ_COMMITTED_SNAPSHOT, ALLOW_SNAPSHOT_ISOLATION and unlimited `max text repl size`; what it cannot do becomes a warning with the command. */
async function ensureDatabaseOptions(session: sql.ConnectionPool, database: string): Promise<string[]> {
  const warnings: string[] = [];
  const opts = (await session.request().query<DatabaseOptionsRow>(TSQL_ADMIN.databaseOptions)).recordset[0];
  if (opts && !opts.rcsi) {
    try {
      await session.request().batch(TSQL_ADMIN.readCommittedSnapshot);
    } catch (e) {
      warnings.push(
        `READ_COMMITTED_SNAPSHOT is off and could not be turned on (${(e as Error).message}): other sessions are in the database. ` +
          `Report readers will wait for the sink's transactions. In a quiet moment: ALTER DATABASE [${database}] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK AFTER 30`,
      );
    }
  }
  if (opts && opts.snapshot_isolation !== 1) {
    try {
      await session.request().batch(TSQL_ADMIN.allowSnapshotIsolation);
    } catch (e) {
      warnings.push(`ALLOW_SNAPSHOT_ISOLATION could not be turned on (${(e as Error).message}); the connector's snapshot.isolation.mode=snapshot needs it: ALTER DATABASE [${database}] SET ALLOW_SNAPSHOT_ISOLATION ON`);
    }
  }
  const repl = (await session.request().query<{ value: string | number }>(TSQL_ADMIN.maxTextReplSize)).recordset[0];
  if (repl && Number(repl.value) !== -1) {
    try {
      await session.request().batch(TSQL_ADMIN.raiseMaxTextReplSize);
    } catch (e) {
      warnings.push(
        `max text repl size is ${repl.value} bytes and could not be raised (${(e as Error).message}): inserting terms or states longer than that into a captured table fails (Msg 7139). ` +
          `As sysadmin: EXEC sp_configure 'max text repl size', -1; RECONFIGURE`,
      );
    }
  }
  return warnings;
}

export interface CaptureJobRow {
  job: string;
  started: Date | null;
  stopped: Date | null;
  polling_interval: number;
  max_trans: number;
  max_scans: number;
}

/** Warnings when CDC cannot capture: SQL Server Agent or the capture job not running (the log then grows and nothing reaches Kafka). */
async function captureWarnings(session: sql.ConnectionPool): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const agent = (await session.request().query<{ agent_sessions: number; visible: number }>(TSQL_ADMIN.agent)).recordset[0];
    if (agent && agent.visible > 1 && agent.agent_sessions === 0) {
      warnings.push('SQL Server Agent is not running: CDC captures nothing and the transaction log grows until it does. Start it (Linux: mssql-conf set sqlagent.enabled true, then restart; Windows: the SQL Server Agent service)');
    }
  } catch {
    // no VIEW SERVER STATE: `cashflow db check` reports what it can see
  }
  try {
    const jobs = (await session.request().query<CaptureJobRow>(TSQL_ADMIN.captureJob)).recordset;
    if (jobs.length === 0) warnings.push('no CDC capture job for this database (msdb.dbo.cdc_jobs): run EXEC sys.sp_cdc_add_job @job_type = N\'capture\'');
    else if (!jobs.some((j) => j.started && !j.stopped)) warnings.push(`the CDC capture job ${jobs[0].job} is not running: CDC captures nothing until it does (EXEC sys.sp_cdc_start_job @job_type = N'capture'; it needs SQL Server Agent)`);
  } catch {
    // no rights on msdb: `cashflow db check` says so
  }
  return warnings;
}
