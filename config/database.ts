// The database (DATABASE_*) and the Debezium source connector reading it (CDC_*; README
// "Database, topics and connectors").
import { lazyFields } from './lazy.js';
import { identifier, oneOf, optionalUrl, secret, text, url, type FieldOf } from './variables.js';

export type DatabaseDialect = 'postgres' | 'mssql';

export interface DatabaseConfig {
  dialect: DatabaseDialect;
  url: string;
  readUrl: string;
}

export interface CdcConfig {
  /** CDC_CONNECTOR_NAME (default per dialect). */
  connectorName?: string;
  /** CDC_SLOT_NAME (PostgreSQL replication slot). */
  slotName?: string;
  /** CDC_PUBLICATION_NAME (PostgreSQL publication). */
  publicationName?: string;
  /** CDC_DATABASE_URL: the database as Kafka Connect reaches it (default DATABASE_URL). */
  databaseUrl?: string;
  /** CDC_DATABASE_PASSWORD (or _FILE). */
  databasePassword?: string;
  /** CDC_KAFKA_SSL_CA_FILE: the brokers' CA (PEM) as the Connect worker sees it, for the SQL Server connector's schema-history clients (default KAFKA_SSL_CA_FILE). */
  kafkaCaFile?: string;
}

const databaseSchemes: Record<DatabaseDialect, readonly string[]> = {
  postgres: ['postgres', 'postgresql'],
  mssql: ['mssql', 'sqlserver'],
};

/**
 * DATABASE_DIALECT and DATABASE_URL as fields of their own: the database section and the CDC
 * section both read them (the URL schemes follow the dialect).
 */
export function databaseSource(field: FieldOf): { dialect: () => DatabaseDialect; url: () => string } {
  const dialect = field((v) => oneOf(v, 'DATABASE_DIALECT', ['postgres', 'mssql'] as const, 'postgres'));
  const databaseUrl = field((v) => {
    // every URL may hold a password: each may come from `<NAME>_FILE`
    if (dialect() === 'postgres') return url(v, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/cashflow', databaseSchemes.postgres, { file: true });
    // No default server for SQL Server: the local stack is PostgreSQL.
    const example = 'mssql://user:password@host:1433/cashflow?encrypt=true';
    const given = optionalUrl(v, 'DATABASE_URL', databaseSchemes.mssql, { example, file: true });
    if (given === undefined && v.issues.length === 0) v.problem('DATABASE_URL', `required with DATABASE_DIALECT=mssql, such as ${example}`);
    return given ?? '';
  });
  return { dialect, url: databaseUrl };
}

export function databaseFields(field: FieldOf, source: ReturnType<typeof databaseSource>): DatabaseConfig {
  return lazyFields<DatabaseConfig>({
    dialect: source.dialect,
    url: source.url,
    readUrl: field((v) =>
      url(v, 'DATABASE_READ_URL', source.url, databaseSchemes[source.dialect()], { fallbackFrom: 'DATABASE_URL', example: 'the form of DATABASE_URL', file: true }),
    ),
  });
}

export function cdcFields(field: FieldOf, source: ReturnType<typeof databaseSource>): CdcConfig {
  return lazyFields<CdcConfig>({
    connectorName: field((v) => text(v, 'CDC_CONNECTOR_NAME')),
    slotName: field((v) =>
      identifier(v, 'CDC_SLOT_NAME', /^[a-z0-9_]{1,63}$/, 'a replication slot name: lower-case letters, digits and _ (at most 63)'),
    ),
    publicationName: field((v) =>
      identifier(v, 'CDC_PUBLICATION_NAME', /^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a publication name: letters, digits and _, not starting with a digit (at most 63)'),
    ),
    databaseUrl: field((v) => optionalUrl(v, 'CDC_DATABASE_URL', databaseSchemes[source.dialect()], { file: true })),
    databasePassword: field((v) => secret(v, 'CDC_DATABASE_PASSWORD')),
    kafkaCaFile: field((v) => text(v, 'CDC_KAFKA_SSL_CA_FILE')),
  });
}
