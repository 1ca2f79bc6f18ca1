// The runner's offset commits, read back (docs/runner.md "A batch"; docs/architecture.md,
// invariant 3): every round, off the batch path, what the broker stored for each partition the
// consumer committed and still owns is read in one request, and each commit the broker lacks is
// made again (processors/commit-ledger.ts says why librdkafka loses or reorders commits around a
// coordinator outage).
import { errorMessage } from '../clients/errors.js';
import type { Consumer } from '../clients/kafka.js';
import type { Log } from '../clients/log.js';
import type { ProcessorName } from '../topology/topology.js';
import { CommitLedger, partitionKey } from './commit-ledger.js';
import type { PipelineMetrics } from './metrics.js';

/** How often commits handed to librdkafka are checked against what the broker stored. */
const CONFIRM_COMMITS_EVERY_MS = 2_000;
const CONFIRM_COMMITS_TIMEOUT_MS = 10_000;

export class CommitConfirmer {
  /** The last commit per owned partition, read back every round. */
  private readonly commits = new CommitLedger(CONFIRM_COMMITS_EVERY_MS);
  private timer: NodeJS.Timeout | undefined;
  private confirming = false;
  private stopped = false;

  constructor(
    private readonly processor: ProcessorName,
    private readonly services: { metrics: PipelineMetrics; log: Log },
  ) {}

  /** Reads back `consumer`'s commits every round until stop(). */
  start(consumer: Consumer): void {
    this.timer = setInterval(() => void this.confirm(consumer), CONFIRM_COMMITS_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Commits `offset` of a finished batch, noted first: a re-commit of an older offset is skipped from then on. */
  async commit(consumer: Consumer, topic: string, partition: number, offset: string): Promise<void> {
    this.commits.note(topic, partition, offset, Date.now());
    await consumer.commitOffsets([{ topic, partition, offset }]);
  }

  /**
   * One round: makes again each commit the broker lacks. A re-commit racing a newer commit of
   * the same partition can store the older offset for a moment; the next round finds the newer
   * one missing and makes it again.
   */
  private async confirm(consumer: Consumer): Promise<void> {
    if (this.confirming || this.stopped || this.commits.size === 0) return;
    this.confirming = true;
    try {
      const checked = this.commits.toCheck();
      const stored = await consumer.committed(
        checked.map((c) => ({ topic: c.topic, partition: c.partition })),
        CONFIRM_COMMITS_TIMEOUT_MS,
      );
      const storedOffset = new Map(stored.map((s) => [partitionKey(s.topic, s.partition), BigInt(s.offset)]));
      const owned = new Set(consumer.assignment().map((tp) => partitionKey(tp.topic, tp.partition)));
      const again = this.commits.review(checked, storedOffset, owned, Date.now());
      if (again.length === 0 || this.stopped) return;
      this.services.metrics.retries.inc({ processor: this.processor }, again.length);
      this.services.log('warn', 'offset commits not stored by the broker: committing again', {
        processor: this.processor,
        commits: again.map((c) => `${c.topic}[${c.partition}]@${c.offset}`),
      });
      await consumer.commitOffsets(again.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    } catch (e) {
      this.services.log('warn', 'reading back offset commits failed (tried again shortly)', { processor: this.processor, error: errorMessage(e) });
    } finally {
      this.confirming = false;
    }
  }
}
