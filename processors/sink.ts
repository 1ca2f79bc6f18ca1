// sink: cashflow.contract-cashflows → contract_cashflows and cashflow_versions through
// Database.applyResults, in bulk (COPY / mssql bulk into staging, one set-based replace). The
// batches of all partitions this process holds share one transaction at a time (group commit,
// processors/group-writer.ts). The database applies a result only if its version is newer than
// the stored one, so replays and duplicates change nothing. Offsets are committed after the
// transaction.
import type { SpanContext } from '@opentelemetry/api';
import type { Database } from '../db/database.js';
import { activeTracer } from '../tracing/tracer.js';
import { dbSystemName, inDatabaseSpan } from '../tracing/pipeline-spans.js';
import type { Schedule } from '../wire/schedule.js';
import { emptyWrites } from '../state/model.js';
import { GroupWriter } from './group-writer.js';
import type { BatchOutcome, ProcessorDefinition } from './processor.js';
import { avroValue } from './processor.js';

const writers = new WeakMap<Database, GroupWriter>();
function writerFor(db: Database): GroupWriter {
  let w = writers.get(db);
  if (!w) writers.set(db, (w = new GroupWriter((batch, traces) => applyTraced(db, batch, traces))));
  return w;
}

/** The transaction in a span of its own when tracing is on: the end of a source commit's trace. */
function applyTraced(db: Database, batch: readonly Schedule[], traces: readonly (SpanContext | undefined)[]) {
  const tracer = activeTracer();
  if (!tracer) return db.applyResults(batch);
  const write = { system: dbSystemName(db.dialect), namespace: db.name, operation: 'COMMIT', collection: 'contract_cashflows', batchSize: batch.length };
  return inDatabaseSpan(tracer, write, traces, () => db.applyResults(batch));
}

export const sink: ProcessorDefinition = {
  name: 'sink',
  // every partition's batch in hand at once, so that one transaction can carry them all
  partitionConcurrency: 12,
  // 12 partitions × 250 results decoded at most (a 1,000-message batch per partition held
  // 700 MB at the 160K full recompute)
  maxBatchSize: 250,
  stateOrder: 'after-outputs',
  async process(records, ctx): Promise<BatchOutcome> {
    // the events stay as the decoder left them (encoded): the PostgreSQL twin copies their bytes into COPY
    const results: Schedule[] = [];
    for (const r of records) {
      const v = avroValue(r, 'contractCashflows');
      if (v) results.push(v);
    }
    const endToEndMs: number[] = [];
    if (results.length) {
      const applied = new Set(await writerFor(await ctx.database()).submit(results));
      const now = ctx.now();
      for (const r of results) {
        if (applied.has(r.contractId) && r.requestedAtMs) {
          endToEndMs.push(now - r.requestedAtMs);
          applied.delete(r.contractId);
        }
      }
    }
    return { outputs: [], writes: emptyWrites(), deadLetters: [], endToEndMs };
  },
};
