// market-ingest: Debezium rows of `market_data` → the series in the store and
// cashflow.market-observations, keyed `<code>|<observed at>` so compaction keeps every
// observation. A delete is published as `deleted` (and kept in the series as a marker).
import { boundedText, quoteValue } from '../engine/index.js';
import { finiteValue } from './cdc.js';
import type { MarketObservation } from '../schemas/types.js';
import { emptyWrites, timeMsOf, type MarketChange } from '../state/model.js';
import type { BatchOutcome, OutputRecord, ProcessorDefinition, Rejection } from './processor.js';

export class MalformedObservationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedObservationError';
  }
}

export function observationKey(code: string, observedAt: string): string {
  return `${code}|${observedAt}`;
}

export const marketIngest: ProcessorDefinition = {
  name: 'market-ingest',
  stateOrder: 'before-outputs',
  async process(records): Promise<BatchOutcome> {
    const deadLetters: Rejection[] = [];
    const outputs: OutputRecord[] = [];
    const writes = emptyWrites();
    for (const r of records) {
      const change = r.change;
      if (!change) continue;
      const row = change.op === 'd' ? change.before : change.after;
      const code = row?.market_object_code;
      const observedAt = row?.observed_at;
      const value = finiteValue(row?.value);
      let reason: string | undefined;
      if (typeof code !== 'string' || code === '') reason = 'market_data row without market_object_code';
      else if (typeof observedAt !== 'string' || !Number.isFinite(Date.parse(`${observedAt}Z`))) reason = `market_data row ${boundedText(code)} with unreadable observed_at ${quoteValue(observedAt)}`;
      else if (change.op !== 'd' && typeof value === 'string') reason = `market_data row ${boundedText(code)}|${observedAt} ${value}`;
      if (reason) {
        deadLetters.push({ record: r, reason, errorType: 'MalformedObservationError' });
        continue;
      }
      const m: MarketChange = {
        marketObjectCode: code as string,
        observedAt: observedAt as string,
        value: typeof value === 'number' ? value : 0,
        version: change.position,
        deleted: change.op === 'd',
      };
      timeMsOf(m.observedAt);
      writes.market.push(m);
      const value_: MarketObservation = { ...m, sourceTsMs: change.committedAtMs };
      outputs.push({ topic: 'marketObservations', key: observationKey(m.marketObjectCode, m.observedAt), value: value_ });
    }
    return { outputs, writes, deadLetters };
  },
};
