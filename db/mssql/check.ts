// `cashflow db check` on SQL Server: what a first run needs (README "SQL Server: first-run
// checklist"), read as facts by queries that each may be refused for lack of rights (then
// `undefined`: "cannot tell"), judged by a pure function.
import sql from 'mssql';
import { migrations, schemaCheck, type CheckStatus, type DatabaseCheck } from '../database.js';
import { CAPTURED_TABLES } from '../schema.js';
import type { MssqlConnection } from './connection.js';
import { classifyMssqlError } from './errors.js';
import { TSQL_ADMIN, type CaptureJobRow, type DatabaseOptionsRow } from './migrate.js';
import { ID_COLLATION } from './tsql.js';

export const TSQL_CHECK = {
  server: `SELECT CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS version, CONVERT(nvarchar(128), SERVERPROPERTY('Edition')) AS edition,
  SUSER_SNAME() AS login, IS_SRVROLEMEMBER('sysadmin') AS sysadmin`,
  // CONNECTIONPROPERTY reads this session's own row: no VIEW SERVER STATE needed
  encryption: `SELECT CONVERT(nvarchar(10), CONNECTIONPROPERTY('encrypt_option')) AS encrypt`,
  applied: `SELECT id FROM dbo.cashflow_schema_migrations`,
  tracked: `SELECT name FROM sys.tables WHERE is_tracked_by_cdc = 1`,
  idCollations: `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, COLLATION_NAME AS collation FROM INFORMATION_SCHEMA.COLUMNS
WHERE TABLE_SCHEMA = 'dbo' AND COLUMN_NAME IN ('contract_id', 'position_id', 'portfolio_id', 'market_object_code')`,
  permission: `SELECT HAS_PERMS_BY_NAME(@object, 'OBJECT', @permission) AS granted`,
} as const;

/** The rights the pipeline's runtime login uses (db_datareader + db_datawriter give them). */
export const RUNTIME_PERMISSIONS: readonly [object: string, permission: string][] = [
  ...['contract_cashflows', 'cashflow_versions'].flatMap((t) => ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map((p) => [`dbo.${t}`, p] as [string, string])),
  ...['contracts', 'positions', 'market_data'].flatMap((t) => ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map((p) => [`dbo.${t}`, p] as [string, string])),
  ['dbo.position_cashflows', 'SELECT'],
];

export interface MssqlFacts {
  database: string;
  server: { version: string; edition: string; login: string; sysadmin: boolean };
  /** encrypt_option of this connection; trustServerCertificate from DATABASE_URL. */
  encrypted?: boolean;
  trustServerCertificate: boolean;
  options?: DatabaseOptionsRow;
  /** Migration ids applied (undefined: no migrations table). */
  applied?: string[];
  expectedMigrations: string[];
  tracked?: string[];
  idCollations?: { table_name: string; column_name: string; collation: string | null }[];
  missingPermissions?: string[];
  maxTextReplSize?: number;
  agent?: { agent_sessions: number; visible: number };
  /** null: no capture job; undefined: cannot read msdb. */
  captureJob?: CaptureJobRow | null;
}

/** The checks of `cashflow db check` on SQL Server, from the facts (pure). */
export function mssqlChecks(f: MssqlFacts): DatabaseCheck[] {
  const db = f.database;
  const out: DatabaseCheck[] = [];
  const add = (name: string, status: CheckStatus, detail: string, command: string) => out.push({ name, status, detail, command });
  const unknown = (name: string, what: string, command: string) => add(name, 'warn', `cannot tell: ${what}`, command);

  add('connection', 'ok', `SQL Server ${f.server.version} (${f.server.edition}) as ${f.server.login}${f.server.sysadmin ? ' (sysadmin)' : ''}`, `SELECT @@VERSION`);

  const tlsCommand = "SELECT CONNECTIONPROPERTY('encrypt_option')";
  if (f.encrypted === undefined) unknown('tls', 'encrypt_option not readable', tlsCommand);
  else if (!f.encrypted) add('tls', 'fail', 'the connection is not encrypted', `encrypt=true in DATABASE_URL (and ${tlsCommand})`);
  else if (f.trustServerCertificate) add('tls', 'warn', 'encrypted, but the server certificate is not verified (trustServerCertificate=true)', 'trust the CA instead: NODE_EXTRA_CA_CERTS=<ca.pem>, trustServerCertificate=false');
  else add('tls', 'ok', 'encrypted, server certificate verified', tlsCommand);

  const o = f.options;
  const optionsCommand = `SELECT compatibility_level, is_read_committed_snapshot_on, snapshot_isolation_state_desc, is_cdc_enabled FROM sys.databases WHERE name = N'${db}'`;
  if (!o) unknown('compatibility', 'sys.databases not readable', optionsCommand);
  else if (o.compatibility < 130) add('compatibility', 'fail', `compatibility level ${o.compatibility}: OPENJSON needs 130 (SQL Server 2016) or later`, `ALTER DATABASE [${db}] SET COMPATIBILITY_LEVEL = 130`);
  else add('compatibility', 'ok', `compatibility level ${o.compatibility}`, optionsCommand);

  out.push(schemaCheck(f.expectedMigrations, f.applied, 'SELECT id FROM dbo.cashflow_schema_migrations'));

  if (f.missingPermissions === undefined) unknown('permissions', 'HAS_PERMS_BY_NAME refused', "SELECT HAS_PERMS_BY_NAME('dbo.contract_cashflows', 'OBJECT', 'INSERT')");
  else if (f.missingPermissions.length) add('permissions', 'fail', `${f.server.login} lacks ${f.missingPermissions.join(', ')}`, `ALTER ROLE db_datareader ADD MEMBER [<user>]; ALTER ROLE db_datawriter ADD MEMBER [<user>]`);
  else add('permissions', 'ok', `${f.server.login} can read and write the source and result tables`, "SELECT HAS_PERMS_BY_NAME('dbo.contract_cashflows', 'OBJECT', 'INSERT')");

  if (!o) unknown('cdc-database', 'sys.databases not readable', optionsCommand);
  else if (!o.cdc) add('cdc-database', 'fail', 'CDC is not enabled on the database', 'cashflow db migrate (as sysadmin), or EXEC sys.sp_cdc_enable_db');
  else add('cdc-database', 'ok', 'CDC enabled on the database', optionsCommand);

  const trackedCommand = 'SELECT name FROM sys.tables WHERE is_tracked_by_cdc = 1';
  if (f.tracked === undefined) unknown('cdc-tables', 'sys.tables not readable', trackedCommand);
  else {
    const untracked = CAPTURED_TABLES.filter((t) => !f.tracked!.includes(t));
    if (untracked.length) add('cdc-tables', 'fail', `not captured: ${untracked.join(', ')}`, `cashflow db migrate, or EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'${untracked[0]}', @role_name = NULL`);
    else add('cdc-tables', 'ok', `captured: ${CAPTURED_TABLES.join(', ')}`, trackedCommand);
  }

  const agentCommand = "SELECT program_name FROM sys.dm_exec_sessions WHERE program_name LIKE N'SQLAgent%'";
  if (!f.agent || f.agent.visible <= 1) unknown('agent', 'other sessions are not visible (needs VIEW SERVER STATE)', agentCommand);
  else if (f.agent.agent_sessions === 0) add('agent', 'fail', 'SQL Server Agent is not running: CDC captures nothing and the log grows', 'start SQL Server Agent (Linux: mssql-conf set sqlagent.enabled true; restart)');
  else add('agent', 'ok', 'SQL Server Agent is running', agentCommand);

  const jobCommand = 'EXEC sys.sp_cdc_help_jobs';
  if (f.captureJob === undefined) unknown('capture-job', 'msdb not readable', jobCommand);
  else if (f.captureJob === null) add('capture-job', 'fail', 'no CDC capture job for this database', "EXEC sys.sp_cdc_add_job @job_type = N'capture'");
  else {
    const j = f.captureJob;
    const latency = `polls every ${j.polling_interval} s (${j.max_trans} transactions × ${j.max_scans} scans per cycle): a change reaches Kafka up to ~${j.polling_interval} s after commit`;
    if (!j.started || j.stopped) add('capture-job', 'fail', `${j.job} is not running; it ${latency}`, "EXEC sys.sp_cdc_start_job @job_type = N'capture'");
    else add('capture-job', 'ok', `${j.job} running; ${latency}`, `${jobCommand}; lower latency: EXEC sys.sp_cdc_change_job @job_type = N'capture', @pollinginterval = 1 (then stop and start the job)`);
  }

  if (!o) unknown('snapshot-isolation', 'sys.databases not readable', optionsCommand);
  else if (o.snapshot_isolation !== 1) add('snapshot-isolation', 'fail', "ALLOW_SNAPSHOT_ISOLATION is off: the connector's snapshot.isolation.mode=snapshot fails", `ALTER DATABASE [${db}] SET ALLOW_SNAPSHOT_ISOLATION ON`);
  else add('snapshot-isolation', 'ok', 'ALLOW_SNAPSHOT_ISOLATION on (the connector snapshots without shared locks)', optionsCommand);

  if (!o) unknown('rcsi', 'sys.databases not readable', optionsCommand);
  else if (!o.rcsi) add('rcsi', 'fail', "READ_COMMITTED_SNAPSHOT is off: report readers wait for the sink's transactions", `ALTER DATABASE [${db}] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK AFTER 30`);
  else add('rcsi', 'ok', 'READ_COMMITTED_SNAPSHOT on (readers do not block on the sink)', optionsCommand);

  const collationCommand = "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE COLUMN_NAME LIKE '%[_]id' OR COLUMN_NAME = 'market_object_code'";
  if (f.idCollations === undefined) unknown('collation', 'INFORMATION_SCHEMA not readable', collationCommand);
  else {
    const wrong = f.idCollations.filter((c) => c.collation !== ID_COLLATION);
    if (wrong.length) add('collation', 'fail', `id columns not ${ID_COLLATION}: ${wrong.map((c) => `${c.table_name}.${c.column_name} (${c.collation})`).join(', ')}; 'abc' and 'ABC' would be one contract`, 'recreate the tables with db/sql/mssql/001_init.sql');
    else add('collation', 'ok', `id columns ${ID_COLLATION} (database ${o?.collation ?? '?'})`, collationCommand);
  }

  const replCommand = "SELECT value_in_use FROM sys.configurations WHERE name = N'max text repl size (B)'";
  if (f.maxTextReplSize === undefined) unknown('max-text-repl-size', 'sys.configurations not readable', replCommand);
  else if (f.maxTextReplSize !== -1 && f.maxTextReplSize < 2 ** 31 - 1) add('max-text-repl-size', 'fail', `${f.maxTextReplSize} bytes: inserting terms or states longer than that into a captured table fails (Msg 7139)`, "EXEC sp_configure 'max text repl size', -1; RECONFIGURE");
  else add('max-text-repl-size', 'ok', 'unlimited', replCommand);

  return out;
}

/** Runs a fact query; undefined when refused (rights) rather than failing the whole check. */
async function fact<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (classifyMssqlError(e).kind === 'transient') throw e;
    return undefined;
  }
}

export async function readMssqlFacts(pool: sql.ConnectionPool, database: string, trustServerCertificate: boolean): Promise<MssqlFacts> {
  const q = <T>(text: string) => async () => (await pool.request().query<T>(text)).recordset;
  const server = (await pool.request().query<MssqlFacts['server']>(TSQL_CHECK.server)).recordset[0];
  const missingPermissions = await fact(async () => {
    const missing: string[] = [];
    for (const [object, permission] of RUNTIME_PERMISSIONS) {
      const r = await pool.request().input('object', sql.NVarChar(256), object).input('permission', sql.NVarChar(64), permission).query<{ granted: number | null }>(TSQL_CHECK.permission);
      if (r.recordset[0]?.granted !== 1) missing.push(`${permission} on ${object}`);
    }
    return missing;
  });
  return {
    database,
    server: { ...server, sysadmin: Boolean(server.sysadmin) },
    encrypted: await fact(async () => {
      const v = (await q<{ encrypt: string | boolean }>(TSQL_CHECK.encryption)())[0]?.encrypt;
      return v === true || String(v).toUpperCase() === 'TRUE';
    }),
    trustServerCertificate,
    options: await fact(async () => (await q<DatabaseOptionsRow>(TSQL_ADMIN.databaseOptions)())[0]),
    applied: await fact(async () => (await q<{ id: string }>(TSQL_CHECK.applied)()).map((r) => r.id)),
    expectedMigrations: migrations('mssql').map((m) => m.id),
    tracked: await fact(async () => (await q<{ name: string }>(TSQL_CHECK.tracked)()).map((r) => r.name)),
    idCollations: await fact(q<{ table_name: string; column_name: string; collation: string | null }>(TSQL_CHECK.idCollations)),
    missingPermissions,
    maxTextReplSize: await fact(async () => Number((await q<{ value: string | number }>(TSQL_ADMIN.maxTextReplSize)())[0]?.value)),
    agent: await fact(async () => (await q<{ agent_sessions: number; visible: number }>(TSQL_ADMIN.agent)())[0]),
    captureJob: await fact(async () => (await q<CaptureJobRow>(TSQL_ADMIN.captureJob)())[0] ?? null),
  };
}

/** Database.check on SQL Server (see mssqlChecks). */
export async function check(db: MssqlConnection): Promise<DatabaseCheck[]> {
  return db.read(async (pool) => mssqlChecks(await readMssqlFacts(pool, db.name, db.config.options?.trustServerCertificate === true)));
}
