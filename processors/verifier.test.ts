// The verifier's in-flight rule: a contract found wrong is reported only when it is still wrong
// after the grace period at the same stored version.
import { describe, expect, it } from 'vitest';
import { judge, type Suspect } from './verifier.js';
import type { Verdict } from './verification.js';

const verdict = (kind: Verdict['kind'], storedVersion: number | null): Verdict => ({ contractId: 'c', kind, expectedStatus: 'computed', storedVersion, differences: [] });

describe('judge', () => {
  it('equal and rejected contracts are fine, and clear a suspicion', () => {
    expect(judge(verdict('equal', 5), { kind: 'stale', storedVersion: 5, since: 0 }, 100_000, 30_000)).toEqual({ action: 'ok' });
    expect(judge(verdict('rejected', null), undefined, 0, 30_000)).toEqual({ action: 'ok' });
  });

  it('a first finding is only a suspect, re-checked later', () => {
    expect(judge(verdict('stale', 5), undefined, 1000, 30_000)).toEqual({ action: 'recheck', suspect: { kind: 'stale', storedVersion: 5, since: 1000 } });
  });

  it('still wrong at the same version within the grace period: still a suspect, since unchanged', () => {
    const s: Suspect = { kind: 'stale', storedVersion: 5, since: 1000 };
    expect(judge(verdict('stale', 5), s, 30_999, 30_000)).toEqual({ action: 'recheck', suspect: s });
  });

  it('still wrong at the same version after the grace period: reported', () => {
    expect(judge(verdict('differing', 5), { kind: 'stale', storedVersion: 5, since: 1000 }, 31_000, 30_000)).toEqual({ action: 'report' });
    expect(judge(verdict('missing', null), { kind: 'missing', storedVersion: null, since: 0 }, 30_000, 30_000)).toEqual({ action: 'report' });
  });

  it('a stored version that moved is work in flight: the grace period starts again', () => {
    expect(judge(verdict('stale', 6), { kind: 'stale', storedVersion: 5, since: 0 }, 60_000, 30_000)).toEqual({ action: 'recheck', suspect: { kind: 'stale', storedVersion: 6, since: 60_000 } });
  });
});
