import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import type { ComponentHealth } from './health.js';
import { formatStatus, formatStatusLine, statusHints } from './status.js';

describe('status lines', () => {
  it('have exactly four words: component, health, url, detail', () => {
    const line = formatStatusLine({
      component: 'postgres',
      healthy: false,
      answering: true,
      url: 'postgres://postgres@127.0.0.1:5432/cashflow',
      detail: 'wal_level=replica (Debezium needs logical)',
    });
    expect(line.split(' ')).toEqual([
      'postgres',
      'unhealthy',
      'postgres://postgres@127.0.0.1:5432/cashflow',
      'wal_level=replica-(Debezium-needs-logical)',
    ]);
  });
  it('put hints on lines starting with #', () => {
    const out = formatStatus(
      [{ component: 'redis', healthy: true, answering: true, url: 'redis://127.0.0.1:6379', detail: 'PONG' }],
      ['stop with: cashflow stack down'],
    );
    expect(out).toBe('redis healthy redis://127.0.0.1:6379 PONG\n# stop with: cashflow stack down\n');
  });

  describe('hints', () => {
    const healthy = (component: ComponentHealth['component']): ComponentHealth => ({ component, healthy: true, answering: true, url: 'u', detail: 'ok' });
    const down = (component: ComponentHealth['component'], detail = 'connection refused', answering = false): ComponentHealth => ({ component, healthy: false, answering, url: 'u', detail });
    const all = (...bad: ComponentHealth[]) =>
      (['kafka', 'schema-registry', 'connect', 'postgres', 'redis'] as const).map((c) => bad.find((b) => b.component === c) ?? healthy(c));

    it('all healthy: how to stop', () => {
      expect(statusHints(all(), loadConfig({}))).toEqual(['stop with: cashflow stack down']);
    });
    it("the stack's own parts down: stack up, naming them", () => {
      expect(statusHints(all(down('kafka'), down('redis')), loadConfig({}))).toEqual(['start with: cashflow stack up (kafka, redis); logs: cashflow stack logs']);
    });
    it('clients pointed elsewhere: the variable, not stack up', () => {
      const hints = statusHints(all(down('schema-registry')), loadConfig({ SCHEMA_REGISTRY_URL: 'http://registry.example:8081' }));
      expect(hints).toHaveLength(1);
      expect(hints[0]).toMatch(/^schema-registry: nothing healthy at u, which SCHEMA_REGISTRY_URL names .*check SCHEMA_REGISTRY_URL/);
    });
    it('another program on the broker port: move the stack', () => {
      expect(statusHints(all(down('kafka', 'the port answers but not as a Kafka broker (x)', true)), loadConfig({}))).toEqual([
        'kafka: another program holds u: stop it, or move the stack with STACK_KAFKA_PORT (and unset KAFKA_BOOTSTRAP_SERVERS)',
      ]);
    });
    it("PostgreSQL: the machine's to start; wal_level is stack up's to fix; a login problem is DATABASE_URL's", () => {
      expect(statusHints(all(down('postgres')), loadConfig({}))[0]).toMatch(/PostgreSQL does not answer .*pg_ctlcluster.*DATABASE_URL/);
      expect(statusHints(all(down('postgres', 'wal_level=replica (Debezium needs logical)', true)), loadConfig({}))).toEqual([
        'start with: cashflow stack up (postgres); logs: cashflow stack logs',
      ]);
      expect(statusHints(all(down('postgres', 'password authentication failed', true)), loadConfig({}))[0]).toMatch(/check the user, password and host in DATABASE_URL/);
    });
  });
});
