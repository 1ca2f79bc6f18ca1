// contract-ingest: Debezium rows of `contracts` and `observed_events` → validated terms in the
// store and on cashflow.contract-terms (version = the source position). Poison (terms that are
// not JSON, invalid terms, unsupported types: whatever the engine refuses) → dead letter with
// the engine's message, which names every offending term.
import { InvalidTermsError, prepareContract, quoteValue, type PreparedContract } from '../engine/index.js';
import type { ContractTerms, ObservedEvent } from '../schemas/types.js';
import { emptyWrites, liveEvents, observedEventKey, type StoredContract } from '../state/model.js';
import { isLaterChange, isSameChange, type ChangeEvent, type Row } from './cdc.js';
import type { BatchOutcome, InputRecord, ProcessorDefinition, Rejection } from './processor.js';

export class TermsRejected extends Error {
  constructor(message: string, readonly errorType: string) {
    super(message);
    this.name = errorType;
  }
}

/** An observed event's value: a finite number, null when the row has none, undefined when unreadable. */
function observedValue(v: unknown): number | null | undefined {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function text(row: Row, column: string): string | undefined {
  const v = row[column];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** A contracts row's terms as termsOfRow accepts them. */
export interface RowTerms {
  contractType: string;
  /** The terms as JSON, as the store holds them. */
  readonly terms: string;
  /**
   * The engine's validation of the terms; it is what the calculator prepares from `terms` unless
   * the JSON round trip changes a value (see jsonRoundTripKeeps), so a reader of the row that
   * computes at once (verify) need not parse them again.
   */
  prepared: PreparedContract;
  /** Whether `prepared` is exactly what parsing `terms` again would give. */
  preparedAsStored: boolean;
}

/**
 * The terms of a contracts row as the engine will read them: JSON object, contractID and
 * contractType filled from the row's columns when absent, validated by the engine.
 */
export function termsOfRow(contractId: string, row: Row): RowTerms {
  const raw = row.terms;
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch (e) {
    throw new TermsRejected(`terms of contract ${contractId} are not JSON: ${(e as Error).message}`, 'MalformedTermsError');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TermsRejected(`terms of contract ${contractId} are not a JSON object`, 'MalformedTermsError');
  }
  // filled in below: parsed from the row's text it is ours; an object the row holds is copied first
  const terms = typeof raw === 'string' ? (parsed as Record<string, unknown>) : { ...(parsed as Record<string, unknown>) };
  const columnType = text(row, 'contract_type');
  if (terms.contractType === undefined && columnType) terms.contractType = columnType;
  if (columnType && typeof terms.contractType === 'string' && terms.contractType !== columnType) {
    throw new TermsRejected(
      `contract ${contractId}: contract_type column ${quoteValue(columnType)} differs from terms contractType ${quoteValue(terms.contractType)}`,
      'InvalidTermsError',
    );
  }
  if (terms.contractID === undefined) terms.contractID = contractId;
  let prepared: PreparedContract;
  try {
    prepared = prepareContract(terms as Parameters<typeof prepareContract>[0]);
  } catch (e) {
    if (e instanceof InvalidTermsError) throw new TermsRejected(`contract ${contractId}: ${e.message}`, 'InvalidTermsError');
    throw new TermsRejected(`contract ${contractId}: ${(e as Error).message}`, (e as Error).name || 'Error');
  }
  return new ParsedTerms(String(terms.contractType), terms, prepared, typeof raw === 'string' && jsonRoundTripKeeps(terms));
}

/** RowTerms whose JSON text is made when first read: a reader that computes from `prepared` (verify) never reads it. */
class ParsedTerms implements RowTerms {
  private json: string | undefined;
  constructor(
    readonly contractType: string,
    private readonly object: Record<string, unknown>,
    readonly prepared: PreparedContract,
    readonly preparedAsStored: boolean,
  ) {}
  get terms(): string {
    return (this.json ??= JSON.stringify(this.object));
  }
}

/**
 * Whether JSON.stringify then JSON.parse gives back a value parsed from JSON unchanged: only
 * numbers can change (-0 is written 0; a literal beyond the double range parses to ±Infinity,
 * which is written null).
 */
export function jsonRoundTripKeeps(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const v of value) if (!jsonRoundTripKeeps(v)) return false;
    return true;
  }
  for (const k in value) if (!jsonRoundTripKeeps((value as Record<string, unknown>)[k])) return false;
  return true;
}

function blank(contractId: string): StoredContract {
  return { contractId, contractType: '', terms: '', termsVersion: 0, deleted: true, updatedAt: null, sourceTsMs: 0, events: {}, version: 0 };
}

function recompute(c: StoredContract): void {
  let v = c.termsVersion;
  for (const e of Object.values(c.events)) if (e.version > v) v = e.version;
  c.version = v;
}

/** The contract-terms message of a stored contract. */
export function contractTermsMessage(c: StoredContract): ContractTerms {
  return {
    contractId: c.contractId,
    contractType: c.contractType,
    terms: c.terms,
    observedEvents: liveEvents(c).map<ObservedEvent>((e) => ({ eventType: e.eventType, observedAt: e.observedAt, value: e.value, states: e.states })),
    version: c.version,
    updatedAt: c.updatedAt,
    sourceTsMs: c.sourceTsMs,
    deleted: c.deleted,
  };
}

function idOf(r: InputRecord, change: ChangeEvent): string {
  const row = change.after ?? change.before;
  const id = row ? text(row, 'contract_id') : undefined;
  if (!id) throw new TermsRejected(`${r.topicName}: change event without contract_id`, 'MalformedRowError');
  return id;
}

export const contractIngest: ProcessorDefinition = {
  name: 'contract-ingest',
  stateOrder: 'before-outputs',
  // A contract's terms and its observed events arrive on different topics and both update the
  // same stored record: one batch at a time in a process keeps that read-modify-write safe.
  partitionConcurrency: 1,
  async process(records, ctx): Promise<BatchOutcome> {
    const deadLetters: Rejection[] = [];
    const work: { r: InputRecord; change: ChangeEvent; id: string }[] = [];
    for (const r of records) {
      if (!r.change) continue; // tombstone after a delete: the `d` event carried it
      try {
        work.push({ r, change: r.change, id: idOf(r, r.change) });
      } catch (e) {
        deadLetters.push({ record: r, reason: (e as Error).message, errorType: (e as Error).name });
      }
    }
    const stored = await ctx.state.contracts(work.map((w) => w.id));
    const changed = new Map<string, StoredContract>();
    const published = new Set<string>();
    const reannounce = new Map<string, StoredContract>();
    for (const { r, change, id } of work) {
      const c = changed.get(id) ?? stored.get(id) ?? blank(id);
      const hadTerms = c.terms !== '';
      try {
        if (r.topic === 'cdcContracts') {
          if (!isLaterChange(change, { version: c.termsVersion, order: c.termsOrder })) {
            // a replay of an applied change; the very change applied last is announced again
            if (isSameChange(change, { version: c.termsVersion, order: c.termsOrder })) reannounce.set(id, c);
            continue;
          }
          if (change.op === 'd') {
            c.deleted = true;
          } else {
            const { contractType, terms } = termsOfRow(id, change.after!);
            c.contractType = contractType;
            c.terms = terms;
            c.deleted = false;
            const updatedAt = change.after!.updated_at;
            c.updatedAt = typeof updatedAt === 'string' ? updatedAt : null;
          }
          c.termsVersion = change.position;
          c.termsOrder = change.order;
        } else {
          const row = (change.op === 'd' ? change.before : change.after)!;
          const eventType = text(row, 'event_type');
          const observedAt = text(row, 'observed_at');
          if (!eventType || !observedAt) throw new TermsRejected(`observed event of ${id} without event_type or observed_at`, 'MalformedRowError');
          const key = observedEventKey(eventType, observedAt);
          const cur = c.events[key];
          if (cur && !isLaterChange(change, cur)) {
            if (isSameChange(change, cur)) reannounce.set(id, c);
            continue;
          }
          const states = row.states === null || row.states === undefined ? null : String(row.states);
          if (states !== null && change.op !== 'd') {
            try {
              JSON.parse(states);
            } catch (e) {
              throw new TermsRejected(`observed event ${key} of ${id}: states are not JSON: ${(e as Error).message}`, 'MalformedRowError');
            }
          }
          const value = observedValue(row.value);
          if (value === undefined && change.op !== 'd')
            // Debezium sends a double column's NaN and ±Infinity as strings: read as "no value", the
            // event would change the contract's schedule without anyone knowing why
            throw new TermsRejected(`observed event ${key} of ${id} with value ${quoteValue(row.value)}: not a finite number`, 'MalformedRowError');
          c.events[key] = { eventType, observedAt, value: value ?? null, states, version: change.position, order: change.order, deleted: change.op === 'd' };
        }
      } catch (e) {
        deadLetters.push({ record: r, reason: (e as Error).message, errorType: (e as Error).name });
        continue;
      }
      c.sourceTsMs = Math.max(c.sourceTsMs, change.committedAtMs);
      recompute(c);
      changed.set(id, c);
      // publish contracts that have (or had) terms; observed events alone wait for their contract
      if (c.terms !== '' || hadTerms) published.add(id);
    }
    // State is written before the outputs: a batch retried after its writes landed but its
    // outputs did not (the send failed, or Redis applied the writes and the reply was lost in a
    // restart) meets its own changes as replays, and would otherwise never announce them
    for (const [id, c] of reannounce) if (!changed.has(id) && c.terms !== '') published.add(id);
    const writes = emptyWrites();
    writes.contracts = [...changed.values()];
    return {
      outputs: [...published].map((id) => ({ topic: 'contractTerms' as const, key: id, value: contractTermsMessage(changed.get(id) ?? reannounce.get(id)!) })),
      writes,
      deadLetters,
    };
  },
};
