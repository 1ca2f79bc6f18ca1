// The T-SQL the SQL Server twin sends, parsed with node-sql-parser's TransactSQL grammar, then
// checked for what a real server needs: collations, locking hints, the bulk loads' columns.
import { readFileSync } from 'node:fs';
import nodeSqlParser from 'node-sql-parser';
import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { repoFile } from '../../config/repo-file.js';
import { migrations, tsqlBatches } from '../database.js';
import { BULK } from './bulk.js';
import { TSQL_CHECK } from './check.js';
import { TSQL_ADMIN } from './migrate.js';
import { ID_COLLATION, TSQL } from './tsql.js';

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
    it(`db/mssql admin statement ${name} parses`, () => {
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
