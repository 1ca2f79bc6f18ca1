// The Database of the configured dialect; only that dialect's driver is loaded.
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';

export async function createDatabase(
  config: Pick<Config, 'database'>,
  options: { url?: string; read?: boolean } = {},
): Promise<Database> {
  const url = options.url ?? (options.read ? config.database.readUrl : config.database.url);
  if (config.database.dialect === 'mssql') {
    const { MssqlDatabase } = await import('../db/mssql.js');
    return new MssqlDatabase(url);
  }
  const { PostgresDatabase } = await import('../db/postgres.js');
  return new PostgresDatabase(url);
}
