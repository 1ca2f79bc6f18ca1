// The SQL Server twin's connection: DATABASE_URL as the driver's config, one pool opened on
// first use, transactions, and every failure turned into its typed error (errors.ts).
import sql from 'mssql';
import { mssqlFailure } from './errors.js';

/** `mssql://user:password@host:port/database?encrypt=true&trustServerCertificate=false`. */
export function mssqlConfig(url: string): sql.config {
  const u = new URL(url);
  const q = u.searchParams;
  return {
    server: u.hostname,
    port: u.port ? Number(u.port) : 1433,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'cashflow',
    user: decodeURIComponent(u.username) || undefined,
    password: decodeURIComponent(u.password) || undefined,
    pool: { max: Number(q.get('poolMax') ?? 4) },
    requestTimeout: Number(q.get('requestTimeout') ?? 120_000),
    options: {
      encrypt: q.get('encrypt') !== 'false',
      trustServerCertificate: q.get('trustServerCertificate') === 'true',
      useUTC: true,
    },
  };
}

/** A `YYYY-MM-DDTHH:MM:SS` timestamp as the Date tedious writes to datetime2 (UTC). */
export function utc(value: string): Date {
  return new Date(`${value.length === 10 ? `${value}T00:00:00` : value.slice(0, 19)}Z`);
}

/** One database's pool (opened on first use, again after a failed connect) and its transactions. */
export class MssqlConnection {
  readonly config: sql.config;
  /** Database name the pool is connected to. */
  readonly name: string;
  private pool: Promise<sql.ConnectionPool> | undefined;

  constructor(url: string) {
    this.config = mssqlConfig(url);
    this.name = this.config.database!;
  }

  /** The server and database an error names (no credentials). */
  target(): string {
    return `mssql://${this.config.server}:${this.config.port}/${this.name}`;
  }

  /** Throws `e` as its typed error (mssqlFailure). */
  classify(e: unknown): never {
    throw mssqlFailure(this.target(), e);
  }

  async connection(): Promise<sql.ConnectionPool> {
    if (!this.pool) {
      const pool = new sql.ConnectionPool(this.config);
      pool.on('error', () => {});
      this.pool = pool.connect().catch((e) => {
        this.pool = undefined;
        return this.classify(e);
      });
    }
    return this.pool;
  }

  /** `work` on the pool, its failures typed. */
  async read<T>(work: (pool: sql.ConnectionPool) => Promise<T>): Promise<T> {
    const pool = await this.connection();
    try {
      return await work(pool);
    } catch (e) {
      return this.classify(e);
    }
  }

  /** `work` in one transaction, committed when it returns, rolled back (and its failure typed) when it throws. */
  async transaction<T>(work: (tx: sql.Transaction) => Promise<T>): Promise<T> {
    const tx = new sql.Transaction(await this.connection());
    try {
      await tx.begin();
      const result = await work(tx);
      await tx.commit();
      return result;
    } catch (e) {
      await tx.rollback().catch(() => {});
      return this.classify(e);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close();
  }
}
