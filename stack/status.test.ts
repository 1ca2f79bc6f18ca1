import { describe, expect, it } from 'vitest';
import { formatStatus, formatStatusLine } from './status.js';

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
});
