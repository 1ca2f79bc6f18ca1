// Connections to PostgreSQL: the pool of a PostgresDatabase (its statements classified by
// db/postgres/errors.ts) and standalone clients, both surviving a lost connection.
import pg from 'pg';
import { isoSeconds } from '../database.js';
import { classify } from './errors.js';

// Timestamps stay strings (no time zone games), bigints become numbers (versions are LSNs,
// far below 2^53 in practice; avsc refuses anything larger anyway).
const TIMESTAMP = 1114;
const DATE = 1082;
const INT8 = 20;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TIMESTAMP) return (v: string) => isoSeconds(v);
    if (oid === DATE) return (v: string) => v;
    if (oid === INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** The database a URL names (`postgres` when it names none). */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

const listening = new WeakSet<pg.Client>();

/**
 * node-postgres emits a lost connection as 'error' on the client besides failing its queries,
 * and the pool listens only while a client is idle: a checked-out client without a listener
 * ends the whole process (seen: an immediate shutdown during a sink transaction). The queries'
 * own errors carry the failure to the caller, so the event itself needs nothing more.
 */
function survivingLostConnection<C extends pg.Client>(client: C): C {
  if (!listening.has(client)) {
    client.on('error', () => {});
    listening.add(client);
  }
  return client;
}

/** A client of its own (not pooled) that reports a lost connection through its queries only. */
export function standaloneClient(url: string, options: { connectionTimeoutMillis?: number } = {}): pg.Client {
  return survivingLostConnection(new pg.Client({ connectionString: url, ...options }));
}

/**
 * The pool of one database, where every statement's failure goes through classify: a
 * transaction, a checked-out client or one statement.
 */
export class PostgresPool {
  readonly name: string;
  private readonly pool: pg.Pool;

  constructor(
    readonly url: string,
    options: { max?: number; applicationName?: string } = {},
  ) {
    this.name = databaseName(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      types,
      application_name: options.applicationName ?? 'cashflow',
    });
    // An idle client that loses its server must not crash the process; the next query fails
    // with a retriable error instead.
    this.pool.on('error', () => {});
  }

  async client(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      return classify(this.url, e);
    }
    return survivingLostConnection(client);
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (e) {
      return classify(this.url, e);
    }
  }

  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      return classify(this.url, e);
    } finally {
      client.release();
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
