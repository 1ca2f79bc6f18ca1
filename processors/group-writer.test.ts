import { describe, expect, it } from 'vitest';
import type { ApplyOutcome } from '../db/database.js';
import type { Schedule } from '../wire/schedule.js';
import { GroupWriter } from './group-writer.js';

const result = (contractId: string, version = 1): Schedule => ({
  contractId,
  contractType: 'PAM',
  version,
  fingerprint: 'f',
  status: 'computed',
  reason: null,
  computedAt: '2026-01-01T00:00:00',
  events: [],
  jobId: null,
  requestedAtMs: null,
});

/** An apply that records its batches and finishes when told to. */
function gatedApply(skip: (id: string) => boolean = () => false) {
  const calls: string[][] = [];
  const gates: ((o?: Error) => void)[] = [];
  const apply = (batch: readonly Schedule[]) => {
    calls.push(batch.map((r) => r.contractId));
    return new Promise<ApplyOutcome>((resolve, reject) => {
      gates.push((e) => (e ? reject(e) : resolve({ applied: batch.map((r) => r.contractId).filter((id) => !skip(id)), skipped: 0, rowsWritten: 0 })));
    });
  };
  return { apply, calls, release: async (e?: Error) => { gates.shift()!(e); await new Promise((r) => setImmediate(r)); } };
}

describe('GroupWriter', () => {
  it('writes a lone batch at once and groups what arrives meanwhile into one transaction', async () => {
    const g = gatedApply((id) => id === 'c');
    const w = new GroupWriter(g.apply, 100, 1);
    const first = w.submit([result('a')]);
    const second = w.submit([result('b'), result('c')]);
    const third = w.submit([result('d')]);
    expect(g.calls).toEqual([['a']]);
    await g.release();
    expect(g.calls).toEqual([['a'], ['b', 'c', 'd']]);
    await g.release();
    expect(await first).toEqual(['a']);
    expect(await second).toEqual(['b']); // c was not applied (older version)
    expect(await third).toEqual(['d']);
  });

  it('caps a transaction at maxContracts, taking whole submissions', async () => {
    const g = gatedApply();
    const w = new GroupWriter(g.apply, 3, 1);
    const all = [w.submit([result('a')]), w.submit([result('b'), result('c')]), w.submit([result('d'), result('e')]), w.submit([result('f')])];
    await g.release();
    await g.release();
    await g.release();
    await Promise.all(all);
    expect(g.calls).toEqual([['a'], ['b', 'c'], ['d', 'e', 'f']]);
  });

  it('runs up to `parallel` transactions at once', async () => {
    const g = gatedApply();
    const w = new GroupWriter(g.apply, 100, 2);
    const all = [w.submit([result('a')]), w.submit([result('b')]), w.submit([result('c')]), w.submit([result('d')])];
    expect(g.calls).toEqual([['a'], ['b']]);
    await g.release();
    expect(g.calls).toEqual([['a'], ['b'], ['c', 'd']]);
    await g.release();
    await g.release();
    await Promise.all(all);
  });

  it('fails every batch of a failed transaction, and goes on with the next', async () => {
    const g = gatedApply();
    const w = new GroupWriter(g.apply, 100, 1);
    const first = w.submit([result('a')]);
    const second = w.submit([result('b')]);
    const third = w.submit([result('c')]);
    const failed = [expect(second).rejects.toThrow('database unavailable'), expect(third).rejects.toThrow('database unavailable')];
    await g.release();
    await g.release(new Error('database unavailable'));
    await Promise.all(failed);
    expect(await first).toEqual(['a']);
    const fourth = w.submit([result('d')]);
    await g.release();
    expect(await fourth).toEqual(['d']);
  });

  it('resolves an empty submission without a transaction', async () => {
    const g = gatedApply();
    expect(await new GroupWriter(g.apply).submit([])).toEqual([]);
    expect(g.calls).toEqual([]);
  });
});
