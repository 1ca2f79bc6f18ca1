// `cashflow db check` on SQL Server, judged from the facts a server reports (mssqlChecks is pure).
import { describe, expect, it } from 'vitest';
import { formatCheck } from '../database.js';
import { mssqlChecks, type MssqlFacts } from './check.js';
import { ID_COLLATION } from './tsql.js';

describe('mssqlChecks (cashflow db check on SQL Server, from the facts a server reports)', () => {
  const healthy: MssqlFacts = {
    database: 'cashflow',
    server: { version: '16.0.4135.4', edition: 'Developer Edition (64-bit)', login: 'cashflow_app', sysadmin: false },
    encrypted: true,
    trustServerCertificate: false,
    options: { rcsi: true, snapshot_isolation: 1, cdc: true, collation: 'SQL_Latin1_General_CP1_CI_AS', compatibility: 160 },
    applied: ['001_init'],
    expectedMigrations: ['001_init'],
    tracked: ['contracts', 'positions', 'market_data', 'observed_events'],
    idCollations: [{ table_name: 'contracts', column_name: 'contract_id', collation: ID_COLLATION }],
    missingPermissions: [],
    maxTextReplSize: -1,
    agent: { agent_sessions: 3, visible: 40 },
    captureJob: { job: 'cdc.cashflow_capture', started: new Date(), stopped: null, polling_interval: 5, max_trans: 500, max_scans: 10 },
  };
  const byName = (f: MssqlFacts) => Object.fromEntries(mssqlChecks(f).map((c) => [c.name, c]));

  it('a server prepared as README\'s checklist says: every check ok, one line each', () => {
    const checks = mssqlChecks(healthy);
    expect(checks.map((c) => c.name)).toEqual(['connection', 'tls', 'compatibility', 'schema', 'permissions', 'cdc-database', 'cdc-tables', 'agent', 'capture-job', 'snapshot-isolation', 'rcsi', 'collation', 'max-text-repl-size']);
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(byName(healthy)['capture-job'].detail).toMatch(/polls every 5 s .*up to ~5 s after commit/);
    expect(formatCheck(checks[0])).toBe('connection ok SQL Server 16.0.4135.4 (Developer Edition (64-bit)) as cashflow_app');
  });

  it('a migration not applied, or no migrations table: schema fails with the command that applies them', () => {
    expect(byName({ ...healthy, applied: undefined }).schema).toMatchObject({ status: 'fail', detail: 'migrations not applied: 001_init', command: 'cashflow db migrate' });
    expect(byName({ ...healthy, applied: [], expectedMigrations: ['001_init', '002_next'] }).schema.detail).toBe('migrations not applied: 001_init, 002_next');
  });

  it('Agent stopped, capture job stopped, RCSI and snapshot isolation off, max text repl size default: each fails with its command', () => {
    const c = byName({
      ...healthy,
      agent: { agent_sessions: 0, visible: 40 },
      captureJob: { ...healthy.captureJob!, stopped: new Date() },
      options: { ...healthy.options!, rcsi: false, snapshot_isolation: 0 },
      maxTextReplSize: 65536,
    });
    expect(c.agent).toMatchObject({ status: 'fail', detail: expect.stringMatching(/Agent is not running/) });
    expect(c['capture-job']).toMatchObject({ status: 'fail', command: "EXEC sys.sp_cdc_start_job @job_type = N'capture'" });
    expect(c.rcsi).toMatchObject({ status: 'fail', command: 'ALTER DATABASE [cashflow] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK AFTER 30' });
    expect(c['snapshot-isolation']).toMatchObject({ status: 'fail', command: 'ALTER DATABASE [cashflow] SET ALLOW_SNAPSHOT_ISOLATION ON' });
    expect(c['max-text-repl-size']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/65536 bytes.*Msg 7139/) });
    expect(formatCheck(c.rcsi)).toMatch(/^rcsi fail READ_COMMITTED_SNAPSHOT is off.* — ALTER DATABASE/);
  });

  it('case-insensitive id columns, missing rights, an untracked table, an old compatibility level fail; what cannot be seen is a warning', () => {
    const c = byName({
      ...healthy,
      idCollations: [{ table_name: 'contracts', column_name: 'contract_id', collation: 'SQL_Latin1_General_CP1_CI_AS' }],
      missingPermissions: ['INSERT on dbo.contract_cashflows'],
      tracked: ['contracts', 'positions', 'market_data'],
      options: { ...healthy.options!, compatibility: 120 },
      agent: { agent_sessions: 0, visible: 1 }, // no VIEW SERVER STATE: only our own session
      captureJob: undefined,
      trustServerCertificate: true,
    });
    expect(c.collation).toMatchObject({ status: 'fail', detail: expect.stringMatching(/contracts\.contract_id \(SQL_Latin1_General_CP1_CI_AS\)/) });
    expect(c.permissions).toMatchObject({ status: 'fail', detail: expect.stringMatching(/INSERT on dbo\.contract_cashflows/) });
    expect(c['cdc-tables']).toMatchObject({ status: 'fail', detail: 'not captured: observed_events' });
    expect(c.compatibility.status).toBe('fail');
    expect(c.agent).toMatchObject({ status: 'warn', detail: expect.stringMatching(/VIEW SERVER STATE/) });
    expect(c['capture-job'].status).toBe('warn');
    expect(c.tls).toMatchObject({ status: 'warn', detail: expect.stringMatching(/not verified/) });
  });
});
