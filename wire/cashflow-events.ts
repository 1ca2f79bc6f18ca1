// The engine's events in the shape of cashflow.contract-cashflows (schemas/types.ts
// CashflowEvent): what eventsToJson (engine/testbed.ts) gives, states a type does not report
// as null, built directly without the intermediate objects. wire/schedule-encoder.ts writes
// the same events' Avro bytes straight from the engine's events; this is the reference path.
import { formatDateTime, type ContractEvent, type PreparedContract } from '../engine/index.js';
import type { CashflowEvent } from '../schemas/types.js';

// Formatted event dates by instant: a book's schedules share few distinct dates (month ends,
// cycle dates), so most lookups hit. A pure cache, bounded, safe to lose.
const formattedDates = new Map<number, string>();
export function formatDate(t: number): string {
  let s = formattedDates.get(t);
  if (s === undefined) {
    if (formattedDates.size >= 200_000) formattedDates.clear();
    formattedDates.set(t, (s = formatDateTime(t)));
  }
  return s;
}

export function cashflowEvents(p: PreparedContract, events: readonly ContractEvent[]): CashflowEvent[] {
  const reported = p.type.reportedStates;
  const nt = reported.includes('notionalPrincipal'), ir = reported.includes('nominalInterestRate'), ac = reported.includes('accruedInterest');
  const xd = reported.includes('exerciseDate'), xa = reported.includes('exerciseAmount');
  const out: CashflowEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const exercised = Number.isFinite(e.exerciseDate);
    out[i] = {
      eventDate: formatDate(e.time),
      eventType: e.type,
      currency: e.currency,
      payoff: e.payoff,
      notionalPrincipal: nt ? e.notionalPrincipal : null,
      nominalInterestRate: ir ? e.nominalInterestRate : null,
      accruedInterest: ac ? e.accruedInterest : null,
      exerciseDate: xd && exercised ? formatDate(e.exerciseDate) : null,
      exerciseAmount: xa && exercised ? e.exerciseAmount : null,
    };
  }
  return out;
}
