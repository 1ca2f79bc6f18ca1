import { describe, expect, it } from 'vitest';
import { coldStartDone, snapshotDone } from './cold-start.js';

describe('the progress of a cold start', () => {
  const s = { sourceRows: 102, snapshotted: 102, contracts: 100, computed: 100 };

  it('is done once every source row is snapshotted and every contract computed', () => {
    expect(snapshotDone(s)).toBe(true);
    expect(coldStartDone(s)).toBe(true);
  });

  it('is not done while rows are still to be snapshotted, even when every result is there (a result kept from before)', () => {
    expect(snapshotDone({ ...s, snapshotted: 101 })).toBe(false);
    expect(coldStartDone({ ...s, snapshotted: 101 })).toBe(false);
  });

  it('is not done while contracts are without their result', () => {
    expect(coldStartDone({ ...s, computed: 99 })).toBe(false);
  });
});
