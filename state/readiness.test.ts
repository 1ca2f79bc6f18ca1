// Detection of lost state from the replies of one pipelined round trip, the marker's content,
// and the Redis settings under which a partial loss could go unseen.
import { describe, expect, it } from 'vitest';
import { isRetriable } from '../clients/errors.js';
import { evictionRisk, markerValue, parseMarker, StateLostError, withoutReadyCheck } from './readiness.js';

describe('withoutReadyCheck', () => {
  it('returns the reads without the trailing EXISTS when the marker was there', () => {
    expect(withoutReadyCheck(['{"a":1}', null, ['x'], 1])).toEqual(['{"a":1}', null, ['x']]);
    expect(withoutReadyCheck([1])).toEqual([]);
  });

  it('throws a retriable StateLostError when the marker was missing, whatever the reads found', () => {
    // an empty store answers every read with "nothing": only the marker tells a flush from an absent contract
    const check = () => withoutReadyCheck([null, [], 0]);
    expect(check).toThrow(StateLostError);
    expect(check).toThrow(/state not ready: the Redis state marker is missing/);
    try {
      check();
    } catch (e) {
      expect(isRetriable(e)).toBe(true);
      expect((e as Error).name).toBe('StateLostError');
    }
  });

  it('refuses replies without the check (a programming error, not a loss)', () => {
    expect(() => withoutReadyCheck([])).toThrow(/EXISTS of the marker was not sent/);
  });
});

describe('the marker', () => {
  it('round-trips its content and ignores values that are not a marker', () => {
    const m = { at: '2026-12-07T01:00:00.000Z', by: 'host:12:calculator', records: 42, durationMs: 812 };
    expect(parseMarker(markerValue(m))).toEqual(m);
    expect(parseMarker('1')).toBeUndefined();
    expect(parseMarker('{"at":3}')).toBeUndefined();
    expect(parseMarker(null)).toBeUndefined();
  });
});

describe('evictionRisk', () => {
  it('is none for noeviction, or without a memory limit whatever the policy', () => {
    expect(evictionRisk('noeviction', 1 << 30)).toBeUndefined();
    expect(evictionRisk('allkeys-lru', 0)).toBeUndefined();
  });

  it('names the policy and the fix when keys may be evicted', () => {
    expect(evictionRisk('allkeys-lru', 1 << 30)).toBe(
      'maxmemory-policy is allkeys-lru with maxmemory 1073741824 bytes: Redis may evict state keys, and a partial loss is not detected (set maxmemory-policy noeviction)',
    );
    expect(evictionRisk('volatile-ttl', 100)).toMatch(/volatile-ttl.*noeviction/);
    expect(evictionRisk(undefined, 100)).toBe('maxmemory-policy unknown');
  });
});
