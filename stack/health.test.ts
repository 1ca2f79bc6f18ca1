import { describe, expect, it } from 'vitest';
import { maintenanceUrl, missingPlugins, redactUrl } from './health.js';
import { clusterOnPort } from './postgres.js';

describe('health helpers', () => {
  it('find which Debezium plugins Connect lacks', () => {
    expect(missingPlugins([{ class: 'io.debezium.connector.postgresql.PostgresConnector' }])).toEqual([
      'io.debezium.connector.sqlserver.SqlServerConnector',
    ]);
    expect(missingPlugins({ error: 'x' })).toHaveLength(2);
  });
  it('never print a password', () => {
    expect(redactUrl('redis://:secret@host:6379')).toBe('redis://:***@host:6379');
    expect(redactUrl('postgres://u:p@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });
  it('check PostgreSQL on its maintenance database', () => {
    expect(maintenanceUrl('postgres://postgres@127.0.0.1:5432/cashflow')).toBe(
      'postgres://postgres@127.0.0.1:5432/postgres',
    );
  });
  it('find the Debian cluster that listens on a port', () => {
    const ls =
      '15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log\n';
    expect(clusterOnPort(ls, 5432)).toEqual(['15', 'main']);
    expect(clusterOnPort(ls, 5433)).toBeUndefined();
  });
});
