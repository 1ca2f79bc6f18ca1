import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { migrations, tsqlBatches } from './database.js';
import { TSQL } from './mssql/index.js';
import { RELATIONS } from './schema.js';

const parser = new nodeSqlParser.Parser();
const tsql = { database: 'transactsql' } as const;

type Ast = Record<string, unknown>;
// node-sql-parser's TransactSQL grammar accepts CREATE VIEW only around a one-column SELECT
// without joins (5.x). For a view, the SELECT is parsed on its own instead.
const CREATE_VIEW = /^CREATE VIEW ([\w.]+) AS\s+(SELECT\b[\s\S]*)$/i;

function statements(sql: string): Ast[] {
  const view = CREATE_VIEW.exec(sql.replace(/^--.*$/gm, '').trim());
  if (view) return [{ type: 'create', keyword: 'view', name: view[1], select: statements(view[2])[0] }];
  const ast = parser.astify(sql, tsql) as unknown as Ast | Ast[];
  return Array.isArray(ast) ? ast : [ast];
}

/** CREATE TABLE statements, also inside `IF … CREATE TABLE`. */
function createdTables(ast: Ast): Ast[] {
  if (ast.type === 'if') return createdTables((ast.if_expr as { ast: Ast }).ast);
  return ast.type === 'create' && ast.keyword === 'table' ? [ast] : [];
}

interface TsqlColumn {
  name: string;
  type: string;
  nullable: boolean;
}

function tableColumns(create: Ast): TsqlColumn[] {
  return (create.create_definitions as Ast[])
    .filter((d) => d.resource === 'column')
    .map((d) => {
      const def = d.definition as { dataType: string; length?: number | string };
      const type = def.dataType.toLowerCase() + (def.length !== undefined ? `(${def.length})` : '');
      const nullable = (d.nullable as { type?: string } | undefined)?.type !== 'not null' && !d.primary_key;
      return { name: (d.column as { column: string }).column, type, nullable };
    });
}

const mssqlSql = migrations('mssql');

describe('SQL Server schema (T-SQL parsed by node-sql-parser, TransactSQL dialect)', () => {
  for (const m of mssqlSql) {
    for (const [i, batch] of tsqlBatches(m.sql).entries()) {
      it(`${m.id} batch ${i + 1} parses: ${batch.replace(/--.*$/gm, '').trim().split('\n')[0]}`, () => {
        expect(() => statements(batch)).not.toThrow();
      });
    }
  }

  for (const [name, text] of Object.entries(TSQL)) {
    it(`db/mssql/tsql.ts statement ${name} parses`, () => {
      expect(() => statements(text)).not.toThrow();
    });
  }

  it('splits batches on GO lines only', () => {
    expect(tsqlBatches("SELECT 1\nGO\nSELECT 'GO'\n  go  \n-- only a comment\nGO\n")).toEqual([
      'SELECT 1',
      "SELECT 'GO'",
    ]);
  });

  it('defines every table with the columns, types and nullability of db/schema.ts', () => {
    const tables = new Map<string, TsqlColumn[]>();
    for (const m of mssqlSql) {
      for (const batch of tsqlBatches(m.sql)) {
        for (const ast of statements(batch).flatMap(createdTables)) {
          const table = (ast.table as { table: string }[])[0].table;
          tables.set(table, tableColumns(ast));
        }
      }
    }
    const expected = RELATIONS.filter((r) => r.kind === 'table').map((r) => [
      r.name,
      r.columns.map((c) => ({ name: c.name, type: c.mssql, nullable: c.nullable })),
    ]);
    expect([...tables.entries()].sort()).toEqual(expected.sort());
  });

  it('creates the position_cashflows view with the columns of db/schema.ts, quantity-scaled amounts', () => {
    const view = mssqlSql.map((m) => m.sql).join('\n');
    const body = /CREATE VIEW dbo\.position_cashflows AS\s+SELECT([\s\S]*?)\bFROM\b/i.exec(view);
    expect(body).not.toBeNull();
    const names = body![1]
      .split(',')
      .map((c) => c.trim())
      .map((c) => /(?:\bAS\s+|\.)(\w+)$/i.exec(c)![1]);
    expect(names).toEqual(RELATIONS.find((r) => r.name === 'position_cashflows')!.columns.map((c) => c.name));
    for (const amount of ['payoff', 'notional_principal', 'accrued_interest']) {
      expect(view).toMatch(new RegExp(`c\\.${amount} \\* p\\.quantity AS ${amount}`));
    }
  });

  it('enables CDC for the database and for each captured table with @role_name = NULL', () => {
    const text = mssqlSql.map((m) => m.sql).join('\n');
    expect(text).toMatch(/EXEC sys\.sp_cdc_enable_db/);
    for (const r of RELATIONS.filter((x) => x.captured)) {
      expect(text).toMatch(
        new RegExp(
          `sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'${r.name}', @role_name = NULL`,
        ),
      );
    }
  });
});
