// The Database of the configured dialect (one of the two twins), and plain SQL sessions on it.
// Only the configured dialect's driver is loaded: the twins and their drivers are imported
// when chosen, the one lazy import outside the command table (cli/commands.ts), because a
// deployment has one dialect and the SQL Server driver is slow to load.
import type { Config } from '../config/config.js';
import { causeOf, nextStep, redactUrl } from '../clients/errors.js';
import { DatabaseUnavailableError, type Database } from './database.js';

export async function createDatabase(
  config: Pick<Config, 'database'>,
  options: { url?: string; read?: boolean } = {},
): Promise<Database> {
  const url = options.url ?? (options.read ? config.database.readUrl : config.database.url);
  if (config.database.dialect === 'mssql') {
    const { MssqlDatabase } = await import('./mssql/index.js');
    return new MssqlDatabase(url);
  }
  const { PostgresDatabase } = await import('./postgres/index.js');
  return new PostgresDatabase(url);
}

export type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

export interface SqlSession {
  q: Query;
  dialect: 'postgres' | 'mssql';
  close(): Promise<void>;
}

/**
 * One connection of the configured dialect for plain reads (the Database interface has no
 * generic read). A server that cannot be reached is DatabaseUnavailableError (naming the
 * address, the cause and the next step), and the half-open connection is closed.
 */
export async function openSql(config: Pick<Config, 'database'> & Partial<Pick<Config, 'clients'>>): Promise<SqlSession> {
  const timeoutMs = config.clients?.connectTimeoutMs;
  if (config.database.dialect === 'mssql') {
    const { default: mssql } = await import('mssql');
    const pool = new mssql.ConnectionPool(config.database.url);
    pool.on('error', () => {}); // a lost connection fails the query in flight; unheard, the event ends the process
    try {
      await pool.connect();
    } catch (e) {
      await pool.close().catch(() => {});
      const code = (e as { code?: string }).code;
      // ESOCKET / ETIMEOUT: the server was not reached; ELOGIN and the rest are answers
      if (code === 'ESOCKET' || code === 'ETIMEOUT') throw new DatabaseUnavailableError(redactUrl(config.database.url), `${causeOf((e as { originalError?: unknown }).originalError ?? e)} (${nextStep('database')})`, { cause: e });
      throw e;
    }
    return {
      dialect: 'mssql',
      q: async (sql, params) => {
        const r = pool.request();
        params.forEach((p, i) => r.input(`p${i + 1}`, p));
        return (await r.query(sql)).recordset as Record<string, unknown>[];
      },
      close: () => pool.close(),
    };
  }
  const pg = await import('./postgres/index.js');
  const client = pg.standaloneClient(config.database.url, { connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw pg.databaseError(config.database.url, e);
  }
  return {
    dialect: 'postgres',
    q: async (sql, params) => {
      try {
        return (await client.query(sql, params)).rows as Record<string, unknown>[];
      } catch (e) {
        throw pg.databaseError(config.database.url, e);
      }
    },
    close: () => client.end(),
  };
}

export async function withSql<T>(
  config: Pick<Config, 'database'> & Partial<Pick<Config, 'clients'>>,
  work: (q: Query, dialect: 'postgres' | 'mssql') => Promise<T>,
): Promise<T> {
  const c = await openSql(config);
  try {
    return await work(c.q, c.dialect);
  } finally {
    await c.close();
  }
}
