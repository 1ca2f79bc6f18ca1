// sink: cashflow.contract-cashflows → contract_cashflows and cashflow_versions through
// Database.applyResults, in bulk per batch (COPY / mssql bulk into staging, one set-based
// replace). The database applies a result only if its version is newer than the stored one,
// so replays and duplicates change nothing. Offsets are committed after the transaction.
import type { ContractCashflows } from '../schemas/types.js';
import { emptyWrites } from '../state/model.js';
import type { BatchOutcome, ProcessorDefinition } from './processor.js';
import { avroValue } from './processor.js';

export const sink: ProcessorDefinition = {
  name: 'sink',
  stateOrder: 'after-outputs',
  async process(records, ctx): Promise<BatchOutcome> {
    const results: ContractCashflows[] = [];
    for (const r of records) {
      const v = avroValue(r, 'contractCashflows');
      if (v) results.push(v);
    }
    const endToEndMs: number[] = [];
    if (results.length) {
      const db = await ctx.database();
      const outcome = await db.applyResults(results);
      const applied = new Set(outcome.applied);
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
