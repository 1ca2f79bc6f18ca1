// The offsets a runner has committed, per partition it owns, checked against what the broker
// stored (docs/architecture.md, invariant 3: a partition's committed offset never stays behind its durable
// effects).
//
// The client's commitOffsets resolves once librdkafka has queued the commit (commitAsync), not
// once the broker stored it. Around a coordinator outage (a broker restart) librdkafka drops
// some commits without an error (sent while the coordinator is away or loading; a commit
// deferred once is not deferred again) and retries others after a backoff, so an older
// commit can be stored AFTER a newer one and take the partition's committed offset back. Seen
// in CI: every result of a book in the database, the sink's committed offset of one partition
// 131 messages short for the two minutes the test waited, because an earlier read-back had
// already found the newer offset stored and stopped looking. So the ledger keeps the latest
// commit of every partition the consumer owns and has it checked every round, not only until
// it was first seen stored; a partition whose stored offset is behind ours (and ours is older
// than a round, so not merely in flight) is committed again. Re-committing is always safe:
// only offsets of finished batches are noted, and only while the partition is ours.
// Pure bookkeeping: the runner does the I/O (processors/runner-commits.ts).

export interface PartitionCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** When it was last handed to the client (ms). */
  at: number;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

export class CommitLedger {
  private readonly latest = new Map<string, PartitionCommit>();

  /** `settleMs`: how long a commit may be on its way before its absence counts. */
  constructor(private readonly settleMs: number) {}

  /** Notes a commit of a finished batch, before it is handed to the client. */
  note(topic: string, partition: number, offset: string, now: number): void {
    this.latest.set(partitionKey(topic, partition), { topic, partition, offset, at: now });
  }

  /** The commits to read back: the latest of each partition. */
  toCheck(): PartitionCommit[] {
    return [...this.latest.values()];
  }

  get size(): number {
    return this.latest.size;
  }

  /**
   * Given the offsets the broker stored for `checked` (what toCheck gave; a partition without
   * one is absent) and the partitions the consumer owns now: forgets the partitions it no
   * longer owns, and returns the commits to make again, marked as made at `now`. A commit
   * noted since `checked` was taken is left for the next round.
   */
  review(checked: readonly PartitionCommit[], stored: ReadonlyMap<string, bigint>, owned: ReadonlySet<string>, now: number): PartitionCommit[] {
    const again: PartitionCommit[] = [];
    for (const c of checked) {
      const key = partitionKey(c.topic, c.partition);
      if (this.latest.get(key) !== c) continue; // a newer commit meanwhile: checked next round
      if (!owned.has(key)) {
        this.latest.delete(key); // its new owner commits from the stored offset on
        continue;
      }
      if ((stored.get(key) ?? -1n) >= BigInt(c.offset) || c.at > now - this.settleMs) continue;
      c.at = now;
      again.push(c);
    }
    return again;
  }
}
