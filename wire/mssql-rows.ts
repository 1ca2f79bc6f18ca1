// A schedule as SQL Server's bulk load takes it (db/mssql/bulk.ts BULK.stageRows): one
// contract_cashflows row object per event, seq its index in the schedule. The PostgreSQL twin
// writes the same rows as COPY text or binary instead.
import { decodedEvents, type Schedule } from './schedule.js';

/** The contract_cashflows rows of a result; only `computed` results have any. */
export function stagedRows(r: Pick<Schedule, 'contractId' | 'version' | 'status' | 'events'>) {
  if (r.status !== 'computed') return [];
  return decodedEvents(r).map((e, seq) => ({
    contractId: r.contractId,
    seq,
    eventDate: e.eventDate,
    eventType: e.eventType,
    currency: e.currency,
    payoff: e.payoff,
    notionalPrincipal: e.notionalPrincipal,
    nominalInterestRate: e.nominalInterestRate,
    accruedInterest: e.accruedInterest,
    version: r.version,
  }));
}
