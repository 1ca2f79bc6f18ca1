import { describe, expect, it } from 'vitest';
import { caughtUp, consumedBetween, formatSeconds, manualRequest, normaliseAsOf } from './ops.js';

const offsets = (o: Record<number, number>) => new Map(Object.entries(o).map(([p, v]) => [Number(p), BigInt(v)]));

describe('consumer-group progress', () => {
  it('counts only the messages between the start and the target offsets', () => {
    const from = offsets({ 0: 10, 1: 0 });
    const to = offsets({ 0: 20, 1: 5 });
    expect(consumedBetween(offsets({ 0: 15, 1: -1 }), from, to)).toBe(5);
    expect(consumedBetween(offsets({ 0: 30, 1: 5 }), from, to)).toBe(15); // past the target counts as done
    expect(consumedBetween(offsets({ 0: 5 }), from, to)).toBe(0); // behind the start
  });

  it('is caught up only when every partition with messages reached its target', () => {
    const to = offsets({ 0: 20, 1: 0 });
    expect(caughtUp(offsets({ 0: 19, 1: -1 }), to)).toBe(false);
    expect(caughtUp(offsets({ 0: 20 }), to)).toBe(true); // an empty partition needs no commit
  });
});

describe('normaliseAsOf', () => {
  it('accepts a date or a date-time and gives YYYY-MM-DDTHH:MM:SS', () => {
    expect(normaliseAsOf('2026-12-31')).toBe('2026-12-31T00:00:00');
    expect(normaliseAsOf('2026-12-31T23:59')).toBe('2026-12-31T23:59:00');
    expect(normaliseAsOf('2026-12-31 23:59:59')).toBe('2026-12-31T23:59:59');
  });
  it('refuses what is not a date', () => {
    expect(() => normaliseAsOf('31.12.2026')).toThrow(/not a date/);
    expect(() => normaliseAsOf('2026-13-45')).toThrow(/not a date/);
  });
});

describe('manualRequest', () => {
  it('is a manual request without a source version', () => {
    const r = manualRequest('c-1', { asOf: '2026-01-01T00:00:00' });
    expect(r).toMatchObject({ contractId: 'c-1', cause: 'manual', version: 0, asOf: '2026-01-01T00:00:00', marketObjectCode: null, jobId: null });
    expect(r.requestedAtMs).toBeGreaterThan(0);
  });
});

it('formats an ETA', () => {
  expect(formatSeconds(42.4)).toBe('42s');
  expect(formatSeconds(125)).toBe('2m05s');
  expect(formatSeconds(3 * 3600 + 120)).toBe('3h02m');
  expect(formatSeconds(Infinity)).toBe('-');
});
