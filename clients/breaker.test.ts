import { describe, expect, it } from 'vitest';
import { BreakerOpenError, Breakers, DependencyBreaker, isDependencyDown } from './breaker.js';
import { ComponentRequestError, isRetriable, ServiceUnavailableError } from './errors.js';

const down = () => Promise.reject(new ServiceUnavailableError('redis', 'state store', 'connection refused'));
const refused = () => Promise.reject(new ComponentRequestError('schema-registry', 'registry', 422, 'incompatible schema'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DependencyBreaker', () => {
  it('opens after the configured consecutive dependency-down failures and then refuses without calling', async () => {
    const b = new DependencyBreaker('redis', { failures: 3, halfOpenMs: 60_000 });
    for (let i = 0; i < 3; i++) await expect(b.execute(down)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(b.state).toBe('open');
    let called = false;
    const refusal = await b.execute(async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(refusal).toBeInstanceOf(BreakerOpenError);
    expect(isRetriable(refusal)).toBe(true); // the runner holds the batch, never dead-letters it
    expect((refusal as BreakerOpenError).halfOpenInMs).toBeGreaterThan(55_000);
    expect((refusal as BreakerOpenError).halfOpenInMs).toBeLessThanOrEqual(60_000);
  });

  it('lets one call through after the half-open delay, and closes when it succeeds', async () => {
    const changes: string[] = [];
    const b = new DependencyBreaker('database', { failures: 1, halfOpenMs: 50 }, { onChange: (_, s) => changes.push(s) });
    await expect(b.execute(down)).rejects.toThrow('unavailable');
    await expect(b.execute(async () => 1)).rejects.toBeInstanceOf(BreakerOpenError);
    await sleep(80);
    expect(await b.execute(async () => 42)).toBe(42);
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the half-open try fails', async () => {
    const b = new DependencyBreaker('redis', { failures: 1, halfOpenMs: 30 });
    await expect(b.execute(down)).rejects.toThrow();
    await sleep(50);
    await expect(b.execute(down)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(b.state).toBe('open');
  });

  it('does not count refusals or poison as failures: they say nothing about the dependency', async () => {
    const b = new DependencyBreaker('schema-registry', { failures: 2, halfOpenMs: 60_000 });
    for (let i = 0; i < 5; i++) await expect(b.execute(refused)).rejects.toBeInstanceOf(ComponentRequestError);
    for (let i = 0; i < 5; i++) await expect(b.execute(() => Promise.reject(new TypeError('bad record')))).rejects.toBeInstanceOf(TypeError);
    expect(b.state).toBe('closed');
    expect(isDependencyDown(new ComponentRequestError('redis', 'x', 400, 'no'))).toBe(false);
    expect(isDependencyDown(new ServiceUnavailableError('redis', 'x', 'down'))).toBe(true);
  });

  it('guards every method of a client but those excepted, keeping `this` and properties', async () => {
    const b = new DependencyBreaker('database', { failures: 1, halfOpenMs: 60_000 });
    const client = {
      name: 'cashflow',
      calls: 0,
      async read(n: number) {
        this.calls++;
        if (n < 0) throw new ServiceUnavailableError('database', 'db', 'connection refused');
        return n * 2;
      },
      async close() {
        return 'closed';
      },
    };
    const guarded = b.guard(client, ['close']);
    expect(guarded.name).toBe('cashflow');
    expect(await guarded.read(2)).toBe(4);
    await expect(guarded.read(-1)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(guarded.read(3)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(client.calls).toBe(2); // the refused call never reached the client
    expect(await guarded.close()).toBe('closed'); // closing is never refused
  });
});

describe('Breakers', () => {
  it('makes one breaker per dependency and reports each state', async () => {
    const breakers = new Breakers({ failures: 1, halfOpenMs: 60_000 });
    expect(breakers.of('redis')).toBe(breakers.of('redis'));
    await expect(breakers.of('redis').execute(down)).rejects.toThrow();
    await breakers.of('database').execute(async () => 1);
    expect(breakers.states()).toEqual({ redis: 'open', database: 'closed' });
  });
});
