// positions-ingest: Debezium rows of `positions` → the portfolio membership in the store
// (portfolio → its positions: contract id and quantity, read by `recalc --portfolio`) and
// cashflow.positions, keyed by position id and compacted, from which `cashflow state rebuild`
// restores the membership. No recalculation: position_cashflows scales the contract's rows by
// the quantity. Poison (an id missing or longer than the id columns hold, a quantity that is not
// a finite number) → dead letter with the reason: stored, a NaN quantity would scale the
// portfolio's cash flows to NaN and no one would be told.
import { boundedText, quoteValue } from '../engine/index.js';
import { ID_LENGTH } from '../db/schema.js';
import type { Position } from '../schemas/types.js';
import { emptyWrites, type StoredPosition } from '../state/model.js';
import { finiteValue, isLaterChange, isSameChange, type ChangeEvent, type Row } from './cdc.js';
import type { BatchOutcome, InputRecord, OutputRecord, ProcessorDefinition, Rejection } from './processor.js';

export class MalformedPositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedPositionError';
  }
}

/** The columns of a positions row that the membership needs. */
export interface PositionRow {
  positionId: string;
  portfolioId: string;
  contractId: string;
  quantity: number;
}

function idColumn(row: Row, column: string, of: string, optional = false): string {
  const v = row[column];
  if ((v === null || v === undefined) && optional) return '';
  if (v === null || v === undefined || v === '') throw new MalformedPositionError(`positions row${of} without ${column}`);
  if (typeof v !== 'string') throw new MalformedPositionError(`positions row${of} with ${column} ${quoteValue(v)}: not text`);
  if (v.length > ID_LENGTH) throw new MalformedPositionError(`positions row${of} with ${column} ${quoteValue(v)}: longer than the ${ID_LENGTH} characters of an id`);
  return v;
}

/**
 * A positions row read for the membership, or MalformedPositionError naming the row and what is
 * wrong. A deleted row needs its position_id alone ('' for a column its before image lacks: a
 * table without REPLICA IDENTITY FULL sends the key only) and its quantity is not read: whatever
 * it was, the position leaves its portfolio.
 */
export function positionOfRow(row: Row, deleted: boolean): PositionRow {
  const positionId = idColumn(row, 'position_id', '');
  const of = ` ${boundedText(positionId)}`;
  const portfolioId = idColumn(row, 'portfolio_id', of, deleted);
  const contractId = idColumn(row, 'contract_id', of, deleted);
  const quantity = finiteValue(row.quantity);
  if (typeof quantity === 'string') {
    if (!deleted) throw new MalformedPositionError(`positions row${of} ${quantity.replace(/^with value/, 'with quantity')}`);
    return { positionId, portfolioId, contractId, quantity: 0 };
  }
  return { positionId, portfolioId, contractId, quantity };
}

/** The cashflow.positions message of a stored position. */
export function positionMessage(p: StoredPosition): Position {
  return { positionId: p.positionId, portfolioId: p.portfolioId, contractId: p.contractId, quantity: p.quantity, version: p.version, sourceTsMs: p.sourceTsMs, deleted: p.deleted };
}

export const positionsIngest: ProcessorDefinition = {
  name: 'positions-ingest',
  stateOrder: 'before-outputs',
  async process(records, ctx): Promise<BatchOutcome> {
    const deadLetters: Rejection[] = [];
    const work: { r: InputRecord; change: ChangeEvent; row: PositionRow }[] = [];
    for (const r of records) {
      const change = r.change;
      if (!change) continue; // tombstone after a delete: the `d` event carried it
      const image = change.op === 'd' ? change.before : change.after;
      try {
        if (!image) throw new MalformedPositionError(`positions change event (op ${change.op}) without its row image`);
        work.push({ r, change, row: positionOfRow(image, change.op === 'd') });
      } catch (e) {
        if (!(e instanceof MalformedPositionError)) throw e;
        deadLetters.push({ record: r, reason: e.message, errorType: e.name });
      }
    }
    // the stored positions are read only by this processor and a position's changes stay on
    // one partition (the CDC key is its primary key), so read-then-write is safe per batch
    const stored = await ctx.state.positions(work.map((w) => w.row.positionId));
    const changed = new Map<string, StoredPosition>();
    const reannounce = new Map<string, StoredPosition>();
    for (const { change, row } of work) {
      const cur = changed.get(row.positionId) ?? stored.get(row.positionId);
      if (cur && !isLaterChange(change, cur)) {
        // a replay of an applied change; the very change applied last is announced again
        // (its state write may have landed in a batch whose outputs did not)
        if (isSameChange(change, cur)) reannounce.set(row.positionId, cur);
        continue;
      }
      const deleted = change.op === 'd';
      changed.set(row.positionId, {
        ...row,
        // '' only in a delete whose before image lacks them: the marker keeps what was stored
        portfolioId: row.portfolioId || cur?.portfolioId || '',
        contractId: row.contractId || cur?.contractId || '',
        version: change.position,
        order: change.order,
        sourceTsMs: change.committedAtMs,
        deleted,
      });
    }
    const writes = emptyWrites();
    const outputs: OutputRecord[] = [];
    for (const p of changed.values()) {
      writes.positions.push({ position: p, previousPortfolioId: stored.get(p.positionId)?.portfolioId ?? null });
      outputs.push({ topic: 'positions', key: p.positionId, value: positionMessage(p) });
    }
    for (const [id, p] of reannounce) if (!changed.has(id)) outputs.push({ topic: 'positions', key: id, value: positionMessage(p) });
    return { outputs, writes, deadLetters };
  },
};
