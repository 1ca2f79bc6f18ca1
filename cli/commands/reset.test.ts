import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { resetTargets } from './reset.js';

describe('cashflow reset targets', () => {
  it('names exactly what start made for the environment: its topics and groups by name, never a prefix match', async () => {
    const targets = new Map(
      (await resetTargets(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/books', CASHFLOW_TOPIC_PREFIX: 'x.', CDC_SLOT_NAME: 'slot_x', CDC_CONNECTOR_NAME: 'src-x', CASHFLOW_REDIS_PREFIX: 'rx:' }))).map((t) => [t.kind, t.names]),
    );
    expect(targets.get('database')).toEqual(['books']);
    expect(targets.get('connector')).toEqual(['src-x']);
    expect(targets.get('replication slot')).toEqual(['slot_x']);
    expect(targets.get('redis keys')).toEqual(['rx:*']);
    expect(targets.get('topics')).toContain('x.cashflow.contract-cashflows');
    expect(targets.get('topics')).toContain('x.cdc.books.public.contracts');
    expect(targets.get('consumer groups')).toContain('x.cashflow.sink');
    expect(targets.get('schema subjects')).toContain('x.cashflow.recalc-requests-value');
    for (const kind of ['topics', 'consumer groups', 'schema subjects']) for (const name of targets.get(kind)!) expect(name.startsWith('x.'), name).toBe(true);
    // the default environment: default names, still exact
    const defaults = new Map((await resetTargets(loadConfig({}))).map((t) => [t.kind, t.names]));
    expect(defaults.get('connector')).toEqual(['cashflow-source-postgres']);
    expect(defaults.get('replication slot')).toEqual(['cashflow_cdc']);
    expect(defaults.get('topics')!.every((t) => !t.includes('*'))).toBe(true);
  });
});
