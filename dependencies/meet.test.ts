import { describe, expect, it } from 'vitest';
import { dependencyStates } from './meet.js';

const ok = async () => ({ status: 'ok' as const });
const down = async () => ({ status: 'unreachable' as const, detail: 'redis: connection refused' });

describe('dependencyStates (/readyz of the processors and the API)', () => {
  it('runs every check and is ready only when all are ok', async () => {
    expect(await dependencyStates({ kafka: ok, redis: ok })).toEqual({ ok: true, dependencies: { kafka: { status: 'ok' }, redis: { status: 'ok' } }, breakers: {} });
    const r = await dependencyStates({ kafka: ok, redis: down });
    expect(r.ok).toBe(false);
    expect(r.dependencies.redis).toEqual({ status: 'unreachable', detail: 'redis: connection refused' });
  });

  it("adds each component's breaker state, and an open breaker is not ready even when the probe answers", async () => {
    const r = await dependencyStates({ redis: ok, database: ok }, { states: () => ({ redis: 'open', database: 'half-open' }) });
    expect(r.dependencies).toEqual({ redis: { status: 'ok', breaker: 'open' }, database: { status: 'ok', breaker: 'half-open' } });
    expect(r.ok).toBe(false);
    expect((await dependencyStates({ redis: ok }, { states: () => ({ redis: 'half-open' }) })).ok).toBe(true);
  });

  it("reports the callbacks' breaker without counting it: the receivers are not the pipeline's", async () => {
    const r = await dependencyStates({ redis: ok }, { states: () => ({ redis: 'closed', callbacks: 'open' }) });
    expect(r).toEqual({ ok: true, dependencies: { redis: { status: 'ok', breaker: 'closed' } }, breakers: { redis: 'closed', callbacks: 'open' } });
  });
});
