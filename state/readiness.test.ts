// Detection of lost state from the replies of one pipelined round trip, the marker's content,
// and the Redis settings under which a partial loss could go unseen.
import { describe, expect, it } from 'vitest';
import { isRetriable } from '../clients/errors.js';
import { checkMarkerKept, evictionRisk, markerValue, parseMarker, splitReadyCheck, StateLostError } from './readiness.js';

describe('splitReadyCheck', () => {
  it('returns the reads without the trailing GET of the marker, and the marker', () => {
    expect(splitReadyCheck(['{"a":1}', null, ['x'], 'm1'])).toEqual({ replies: ['{"a":1}', null, ['x']], marker: 'm1' });
    expect(splitReadyCheck(['m2'])).toEqual({ replies: [], marker: 'm2' });
  });

  it('throws a retriable StateLostError when the marker was missing, whatever the reads found', () => {
    // an empty store answers every read with "nothing": only the marker tells a flush from an absent contract
    const check = () => splitReadyCheck([null, [], null]);
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
    expect(() => splitReadyCheck([])).toThrow(/GET of the marker was not sent/);
  });
});

describe('checkMarkerKept', () => {
  it('passes when the marker is the one the batch saw when it wrote (or any, without one)', () => {
    expect(() => checkMarkerKept('m1', 'm1')).not.toThrow();
    expect(() => checkMarkerKept('m1')).not.toThrow();
  });

  it('fails when the marker is gone, or another one: the state was lost and rebuilt in between', () => {
    expect(() => checkMarkerKept(null, 'm1')).toThrow(StateLostError);
    expect(() => checkMarkerKept('m2', 'm1')).toThrow('state not ready: the state was rebuilt after this batch wrote to it');
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
