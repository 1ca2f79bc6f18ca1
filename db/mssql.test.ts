// The SQL Server twin's error classification on the driver's own error objects (its behaviour
// suite, test/mssql.test.ts, needs a server): mssql's RequestError / ConnectionError /
// TransactionError and tedious's errors, built as mssql/lib/tedious/request.js and
// tedious/lib/connection.js build them.
import { readFileSync } from 'node:fs';
import nodeSqlParser from 'node-sql-parser';
import sql from 'mssql';
import { ConnectionError as TdsConnectionError, RequestError as TdsRequestError } from 'tedious';
import { describe, expect, it } from 'vitest';
import { repoFile } from '../clients/repo-file.js';
import { assertWritableResults, DatabaseConfigurationError, formatCheck, DatabaseUnavailableError, migrations, tsqlBatches, UnwritableResultError } from './database.js';
import { assertBulkValues, BULK, BulkValueError, classifyMssqlError, ID_COLLATION, ID_LENGTH, isTransientMssqlError, MSSQL_ERROR_NUMBERS, mssqlChecks, mssqlFailure, TSQL, TSQL_ADMIN, TSQL_CHECK, type MssqlFacts } from './mssql.js';

/** A server error as mssql's request handler makes it from tedious's ERROR token. */
function serverError(number: number, message = `server error ${number}`): sql.RequestError {
  const e = Object.assign(new Error(message), { info: { number, state: 1, class: 16, message, serverName: 'sql1', procName: '', lineNumber: 1 } });
  return new sql.RequestError(e as unknown as string, 'EREQUEST');
}

/** A failed batch: mssql pops the last error and hangs the others on it as precedingErrors. */
function failedBatch(...numbers: number[]): sql.RequestError {
  const errors = numbers.map((n) => serverError(n));
  const last = errors.pop()!;
  return Object.assign(last, { precedingErrors: errors });
}

/** A connection-level failure: tedious's ConnectionError wrapped in mssql's ConnectionError. */
function connectionError(message: string, code: string, extra: Record<string, unknown> = {}, cause?: Error): sql.ConnectionError {
  const tds = Object.assign(new TdsConnectionError(message, code, cause ? { cause } : undefined), extra);
  return new sql.ConnectionError(tds as unknown as string);
}

/** Node's TLS verification error as tls.TLSSocket emits it. */
function tlsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const kind = (e: unknown) => classifyMssqlError(e).kind;

describe('classifyMssqlError', () => {
  it('transient: connection lost, closing, timing out; deadlock, lock timeout; failover; EABORT and EINVALIDSTATE', () => {
    expect(kind(connectionError('Failed to connect to sql1:1433 - connect ECONNREFUSED 10.0.0.5:1433', 'ESOCKET'))).toBe('transient');
    expect(kind(connectionError('Connection lost - read ECONNRESET', 'ESOCKET'))).toBe('transient');
    expect(kind(new sql.RequestError(new TdsRequestError('Connection closed before request completed.', 'ECLOSE') as unknown as string, 'EREQUEST'))).toBe('transient');
    expect(kind(new sql.RequestError(new TdsRequestError('Timeout: Request failed to complete in 120000ms', 'ETIMEOUT') as unknown as string, 'EREQUEST'))).toBe('transient');
    for (const n of [1205, 1222, 976, 983, 3948, 921, 922, 40613]) expect(kind(serverError(n)), String(n)).toBe('transient');
    expect(kind(new sql.TransactionError('Transaction has been aborted.', 'EABORT'))).toBe('transient');
    expect(kind(new sql.RequestError(new TdsRequestError('Requests can only be made in the LoggedIn state, not the Final state', 'EINVALIDSTATE') as unknown as string, 'EREQUEST'))).toBe('transient');
    // a login refused while the database starts or fails over (tedious marks it isTransient)
    expect(kind(connectionError("Database 'cashflow' on server 'sql1' is not currently available.", 'ELOGIN', { isTransient: true }))).toBe('transient');
  });

  it('resource: log full, filegroup full, memory — retried, never dead-lettered', () => {
    for (const n of [9002, 1105, 701, 8645]) {
      const e = serverError(n);
      expect(kind(e), String(n)).toBe('resource');
      expect(isTransientMssqlError(e)).toBe(true);
      const typed = mssqlFailure('mssql://sql1:1433/cashflow', e);
      expect(typed).toBeInstanceOf(DatabaseUnavailableError);
      expect((typed as Error).message).toContain(MSSQL_ERROR_NUMBERS[n].what);
    }
  });

  it('configuration: a failed login and an untrusted TLS certificate say so, and are not "is SQL Server reachable?"', () => {
    const login = connectionError("Login failed for user 'cashflow'.", 'ELOGIN');
    expect(kind(login)).toBe('configuration');
    const cert = connectionError(
      'Failed to connect to sql1:1433 - self-signed certificate in certificate chain',
      'ESOCKET',
      {},
      tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
    );
    expect(kind(cert)).toBe('configuration');
    const expired = connectionError('Failed to connect to sql1:1433 - certificate has expired', 'ESOCKET', {}, tlsError('CERT_HAS_EXPIRED', 'certificate has expired'));
    expect(kind(expired)).toBe('configuration');
    for (const e of [login, cert]) {
      const typed = mssqlFailure('mssql://sql1:1433/cashflow', e) as DatabaseConfigurationError;
      expect(typed).toBeInstanceOf(DatabaseConfigurationError);
      expect(typed.retriable).toBe(true); // blocks the partition; valid results are never dead-lettered
      expect(typed.message).not.toMatch(/reachable/);
    }
    expect((mssqlFailure('t', cert) as Error).message).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(kind(serverError(229, "The SELECT permission was denied on the object 'contracts'"))).toBe('configuration');
  });

  it('reads every error of a failed batch, not only the last', () => {
    // deadlock reported first, then "the statement has been terminated" (3621) last
    expect(kind(failedBatch(1205, 3621))).toBe('transient');
    expect(kind(failedBatch(9002, 3621))).toBe('resource');
    expect(kind(failedBatch(2627, 3621))).toBe('permanent');
  });

  it('permanent: a refused statement (constraint, conversion, syntax) or an error of our own code', () => {
    for (const n of [2627, 2601, 245, 102, 8152]) expect(kind(serverError(n)), String(n)).toBe('permanent');
    const e = serverError(2627);
    expect(mssqlFailure('t', e)).toBe(e);
    expect(kind(new TypeError('x is undefined'))).toBe('permanent');
    expect(kind(null)).toBe('permanent');
  });
});

// ---------------------------------------------------------------- the T-SQL the twin sends
// Parsed with node-sql-parser's TransactSQL grammar, then checked for what a real server needs.

type Ast = Record<string, unknown>;
const parser = new nodeSqlParser.Parser();

function parse(text: string): Ast[] {
  const ast = parser.astify(text, { database: 'transactsql' }) as unknown as Ast | Ast[];
  return Array.isArray(ast) ? ast : [ast];
}

/** CREATE TABLE statements, also inside `IF … CREATE TABLE`. */
function createdTables(ast: Ast): Ast[] {
  if (ast.type === 'if') return createdTables((ast.if_expr as { ast: Ast }).ast);
  return ast.type === 'create' && ast.keyword === 'table' ? [ast] : [];
}

interface ColumnDef {
  table: string;
  name: string;
  type: string;
  collation: string | null;
}

function columnsOf(text: string): ColumnDef[] {
  return parse(text)
    .flatMap(createdTables)
    .flatMap((t) => {
      const table = (t.table as { table: string }[])[0].table;
      return (t.create_definitions as Ast[])
        .filter((d) => d.resource === 'column')
        .map((d) => ({
          table,
          name: (d.column as { column: string }).column,
          type: (d.definition as { dataType: string }).dataType.toLowerCase(),
          collation: (d.collate as { collate?: { name: string } } | undefined)?.collate?.name ?? null,
        }));
    });
}

const ID_COLUMNS = new Set(['contract_id', 'position_id', 'portfolio_id', 'market_object_code']);
const TEXT_TYPES = new Set(['nvarchar', 'varchar', 'nchar', 'char']);

describe('collation of the T-SQL the twin sends', () => {
  const tempColumns = Object.entries(TSQL).flatMap(([name, text]) => (/CREATE TABLE #/.test(text) ? columnsOf(text).map((c) => ({ ...c, statement: name })) : []));

  it('finds the #temp tables of every write', () => {
    expect(new Set(tempColumns.map((c) => c.table))).toEqual(
      new Set(['#cf_stage_versions', '#cf_stage_rows', '#cf_accepted', '#cf_ids', '#cf_contracts', '#cf_positions', '#cf_market_data', '#cf_codes']),
    );
  });

  it('every text column of a #temp table names its collation (tempdb\'s would conflict: Msg 468); ids are binary', () => {
    for (const c of tempColumns.filter((x) => TEXT_TYPES.has(x.type))) {
      const where = `${c.statement}: ${c.table}.${c.name}`;
      expect(c.collation, where).not.toBeNull();
      expect(c.collation, where).toBe(ID_COLUMNS.has(c.name) ? ID_COLLATION : 'DATABASE_DEFAULT');
    }
  });

  it('every id column of the tables is binary-collated (\'abc\' and \'ABC\' are two contracts)', () => {
    const tableColumns = migrations('mssql').flatMap((m) => tsqlBatches(m.sql).flatMap((b) => (/CREATE TABLE/.test(b) ? columnsOf(b) : [])));
    const ids = tableColumns.filter((c) => ID_COLUMNS.has(c.name));
    expect(ids.length).toBeGreaterThanOrEqual(7);
    for (const c of ids) expect(c.collation, `${c.table}.${c.name}`).toBe(ID_COLLATION);
    // observed_events' key includes event_type: binary too
    expect(tableColumns.find((c) => c.table === 'observed_events' && c.name === 'event_type')?.collation).toBe(ID_COLLATION);
  });
});

describe('values SQL Server would refuse, named before they are sent', () => {
  const ok = { contractId: 'K', version: 1, fingerprint: 'f', status: 'computed' as const, reason: null, computedAt: '2026-01-01T00:00:00', events: [] };

  it('an id over nvarchar(200): UnwritableResultError for results, BulkValueError for the source writers (not Msg 4815)', () => {
    const long = 'x'.repeat(ID_LENGTH + 1);
    expect(() => assertWritableResults([{ ...ok, contractId: long }], { maxIdLength: ID_LENGTH })).toThrow(UnwritableResultError);
    expect(() => assertWritableResults([{ ...ok, contractId: long }], { maxIdLength: ID_LENGTH })).toThrow(/201 characters, the column holds 200/);
    expect(() => assertWritableResults([{ ...ok, contractId: 'x'.repeat(ID_LENGTH) }], { maxIdLength: ID_LENGTH })).not.toThrow();
    const columns: Parameters<typeof assertBulkValues<{ id: string; q: number }>>[1] = [
      ['contract_id', sql.NVarChar(ID_LENGTH), false, (r) => r.id],
      ['quantity', sql.Float, false, (r) => r.q],
    ];
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: long, q: 1 }])).toThrow(BulkValueError);
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: long, q: 1 }])).toThrow(/#cf_positions\.contract_id: "x{40}"… has 201 characters, the column holds 200/);
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: 'p', q: Number.POSITIVE_INFINITY }])).toThrow(/quantity: Infinity is not a finite number/);
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: 'p', q: 2 }])).not.toThrow();
  });

  it('a NaN amount in any event ("Invalid number." for the whole batch otherwise)', () => {
    const ev = { eventDate: '2026-02-01T00:00:00', eventType: 'IP', currency: 'USD', payoff: 1, notionalPrincipal: 1, nominalInterestRate: Number.NaN, accruedInterest: 0, exerciseDate: null, exerciseAmount: null };
    expect(() => assertWritableResults([{ ...ok, events: [ev] }], { decodeEvents: true })).toThrow(/event 0 \(IP 2026-02-01T00:00:00\) has nominalInterestRate = NaN/);
    // not computed: no rows, nothing to check
    expect(() => assertWritableResults([{ ...ok, status: 'deleted', events: [] }])).not.toThrow();
  });
});

describe('isolation of the T-SQL the twin sends', () => {
  /** Every table reference to `table` in the statement's AST, with its hints. */
  function references(ast: unknown, table: string, out: string[][] = []): string[][] {
    if (Array.isArray(ast)) for (const x of ast) references(x, table, out);
    else if (ast && typeof ast === 'object') {
      const node = ast as Ast;
      if (node.table === table && 'table_hint' in node) {
        const hint = node.table_hint as { expr?: { expr: { value: string } }[] } | null;
        out.push((hint?.expr ?? []).map((h) => h.expr.value.toUpperCase()).sort());
      }
      for (const v of Object.values(node)) references(v, table, out);
    }
    return out;
  }

  it('the version rule reads cashflow_versions only with UPDLOCK + HOLDLOCK (locking reads, also under READ_COMMITTED_SNAPSHOT)', () => {
    const refs = references(parse(TSQL.accept), 'cashflow_versions');
    // the decision's join, the UPDATE's target (writes lock the current row anyway), the
    // INSERT's NOT EXISTS (the INSERT's own target carries no hint field)
    expect(refs).toEqual([['HOLDLOCK', 'UPDLOCK'], [], ['HOLDLOCK', 'UPDLOCK']]);
  });

  it('the source upserts read their target with UPDLOCK + HOLDLOCK in both the update and the NOT EXISTS', () => {
    for (const [statement, table] of [['upsertContracts', 'contracts'], ['upsertPositions', 'positions'], ['upsertMarketData', 'market_data']] as const) {
      const hinted = references(parse(TSQL[statement]), table).filter((h) => h.length > 0);
      expect(hinted, statement).toEqual([['HOLDLOCK', 'UPDLOCK'], ['HOLDLOCK', 'UPDLOCK']]);
    }
  });

  it('db migrate turns on READ_COMMITTED_SNAPSHOT (without waiting on other sessions) and ALLOW_SNAPSHOT_ISOLATION', () => {
    // the TransactSQL grammar has no ALTER DATABASE: checked by pattern
    expect(TSQL_ADMIN.readCommittedSnapshot).toMatch(/^ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON WITH NO_WAIT$/);
    expect(TSQL_ADMIN.allowSnapshotIsolation).toMatch(/^ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON$/);
    expect(TSQL_ADMIN.raiseMaxTextReplSize).toMatch(/sp_configure @configname = N'max text repl size \(B\)', @configvalue = -1;\s+RECONFIGURE$/);
  });

  for (const [name, text] of [...Object.entries(TSQL_ADMIN), ...Object.entries(TSQL_CHECK)]) {
    if (/^ALTER DATABASE|RECONFIGURE/.test(text)) continue;
    it(`db/mssql.ts admin statement ${name} parses`, () => {
      expect(() => parse(text)).not.toThrow();
    });
  }
});

describe('the readiness version read', () => {
  it('is one parameterised SELECT over OPENJSON(@ids), ids compared under the id collation (no #temp DDL, no transaction)', () => {
    const ast = parse(TSQL.cashflowVersions);
    expect(ast.map((a) => a.type)).toEqual(['select']);
    expect(TSQL.cashflowVersions).not.toMatch(/#/);
    expect(TSQL.cashflowVersions).toMatch(new RegExp(`IN \\(SELECT \\[value\\] COLLATE ${ID_COLLATION} FROM OPENJSON\\(@ids\\)\\)`));
  });
});

describe('the capture-instance switch script', () => {
  const script = readFileSync(repoFile('db', 'sql', 'mssql', 'capture-instance-switch.sql'), 'utf8');

  it('is not a migration, and its statements parse with the variables filled in', () => {
    expect(migrations('mssql').map((m) => m.id)).not.toContain('capture-instance-switch');
    const filled = script.replace(/\$\((TABLE|NEW|OLD)\)/g, (_, v: string) => ({ TABLE: 'contracts', NEW: 'dbo_contracts_v2', OLD: 'dbo_contracts' })[v]!);
    const batches = tsqlBatches(filled);
    expect(batches).toHaveLength(2);
    for (const b of batches) expect(() => parse(b)).not.toThrow();
    // guarded by the instance name, not by is_tracked_by_cdc (which a tracked table always passes)
    expect(batches[0]).toMatch(/capture_instance = N'dbo_contracts_v2'\)\s+EXEC sys\.sp_cdc_enable_table .*@capture_instance = N'dbo_contracts_v2'/s);
  });
});

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

describe('bulk column definitions', () => {
  interface Col {
    name: string;
    type: string;
    nullable: boolean;
  }
  const norm = (create: Ast): Col[] =>
    (create.create_definitions as Ast[])
      .filter((d) => d.resource === 'column')
      .map((d) => {
        const def = d.definition as { dataType: string; length?: number | string };
        const length = def.dataType.toLowerCase() === 'datetime2' ? undefined : def.length; // mssql declares datetime2 (7): the same type
        return {
          name: (d.column as { column: string }).column,
          type: def.dataType.toLowerCase() + (length !== undefined ? `(${String(length).toLowerCase()})` : ''),
          nullable: (d.nullable as { type?: string } | undefined)?.type !== 'not null' && !d.primary_key,
        };
      });

  for (const [key, { table, columns }] of Object.entries(BULK)) {
    it(`${table} (${key}): the bulk load declares exactly the columns of its CREATE TABLE`, () => {
      const ddlText = Object.values(TSQL).find((t) => t.includes(`CREATE TABLE ${table} (`))!;
      expect(ddlText, `no CREATE TABLE ${table} in TSQL`).toBeDefined();
      const ddl = parse(ddlText).flatMap(createdTables).find((t) => (t.table as { table: string }[])[0].table === table)!;
      // what mssql declares for these bulk columns (sql.Table.declare: the same column metadata `insert bulk` sends)
      const t = new sql.Table(table);
      for (const [name, type, nullable] of columns) t.columns.add(name, type as sql.ISqlType, { nullable });
      const declared = parse((t as unknown as { declare(): string }).declare().replace(/\[([^\]]+)\]/g, '$1').replace(/ \(/g, '('))[0];
      expect(norm(declared)).toEqual(norm(ddl));
    });
  }
});
