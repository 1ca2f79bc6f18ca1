// The ledger's decisions: which commits a runner makes again after reading back what the broker
// stored, including a commit taken back by an older one stored after it.
import { describe, expect, it } from 'vitest';
import { CommitLedger, partitionKey } from './commit-ledger.js';

const T = 'cashflow.contract-cashflows';
const key0 = partitionKey(T, 0);
const key1 = partitionKey(T, 1);
const SETTLE = 2000;

describe('CommitLedger', () => {
  it('makes again a commit the broker lacks once it is older than a round, and not before', () => {
    const ledger = new CommitLedger(SETTLE);
    ledger.note(T, 0, '520', 1000);
    const checked = ledger.toCheck();
    expect(ledger.review(checked, new Map([[key0, 389n]]), new Set([key0]), 2000)).toEqual([]); // still on its way
    const again = ledger.review(checked, new Map([[key0, 389n]]), new Set([key0]), 3500);
    expect(again.map((c) => c.offset)).toEqual(['520']);
    expect(again[0].at).toBe(3500);
    // made again at 3500: not again within the next round
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 389n]]), new Set([key0]), 4000)).toEqual([]);
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 389n]]), new Set([key0]), 5600)).toHaveLength(1);
  });

  it('a partition without a stored offset counts as behind', () => {
    const ledger = new CommitLedger(SETTLE);
    ledger.note(T, 1, '7', 0);
    expect(ledger.review(ledger.toCheck(), new Map(), new Set([key1]), 10_000).map((c) => c.offset)).toEqual(['7']);
  });

  it('keeps checking a commit after it was seen stored: an older commit stored later is undone', () => {
    const ledger = new CommitLedger(SETTLE);
    ledger.note(T, 0, '520', 0);
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 520n]]), new Set([key0]), 3000)).toEqual([]);
    expect(ledger.size).toBe(1);
    // librdkafka's retry of an earlier commit lands after the newer one
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 389n]]), new Set([key0]), 5000).map((c) => c.offset)).toEqual(['520']);
  });

  it('a stored offset past ours (a batch committed since) needs nothing', () => {
    const ledger = new CommitLedger(SETTLE);
    ledger.note(T, 0, '100', 0);
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 150n]]), new Set([key0]), 9000)).toEqual([]);
  });

  it('leaves a commit noted during the read-back for the next round', () => {
    const ledger = new CommitLedger(SETTLE);
    ledger.note(T, 0, '100', 0);
    const checked = ledger.toCheck();
    ledger.note(T, 0, '200', 8000); // the batch path committed while the read-back was under way
    expect(ledger.review(checked, new Map([[key0, 50n]]), new Set([key0]), 9000)).toEqual([]);
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 50n]]), new Set([key0]), 10_500).map((c) => c.offset)).toEqual(['200']);
  });

  it('forgets a partition the consumer no longer owns and never commits it again', () => {
    const ledger = new CommitLedger(SETTLE);
    ledger.note(T, 0, '100', 0);
    ledger.note(T, 1, '40', 0);
    const again = ledger.review(ledger.toCheck(), new Map([[key0, 10n], [key1, 10n]]), new Set([key1]), 9000);
    expect(again.map((c) => c.partition)).toEqual([1]);
    expect(ledger.toCheck().map((c) => c.partition)).toEqual([1]);
  });

  it('compares offsets as integers beyond 2^53', () => {
    const ledger = new CommitLedger(SETTLE);
    ledger.note(T, 0, '9007199254740993', 0);
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 9007199254740992n]]), new Set([key0]), 9000)).toHaveLength(1);
    expect(ledger.review(ledger.toCheck(), new Map([[key0, 9007199254740993n]]), new Set([key0]), 20_000)).toEqual([]);
  });
});
