// Contract events (spec "Contract Events"): the event types, their same-day order, and the
// event object the engine computes (scheduled time + payoff + the states after the event).
import type { Instant } from './time/date.js';

export type EventType =
  | 'AD' | 'IED' | 'FP' | 'PR' | 'PD' | 'PRF' | 'PY' | 'PP' | 'IP' | 'IPFX' | 'IPFL' | 'IPCI' | 'CE' | 'RRF' | 'RR'
  | 'DV' | 'PRD' | 'MR' | 'TD' | 'SC' | 'IPCB' | 'MD' | 'XD' | 'STD' | 'PI';

/**
 * Default same-day order (lower first). Follows the test beds where they and the dictionary's
 * sequence differ: PR, IP, RR, PRF; IP before RRF, SC, IPCB, TD, MD; MD before XD before STD.
 * RRF is the scheduled reset whose rate is known (spec PAM schedule, RRF): it takes RR's place,
 * so ANN's fixing that accompanies every reset of the RR schedule comes after it as well.
 * A contract type may override it (`ContractType.eventOrder`, e.g. CLM puts XD before IP).
 */
export const DEFAULT_EVENT_ORDER: Readonly<Record<EventType, number>> = {
  AD: 0, IED: 1, PI: 2, PR: 3, PD: 4, PY: 5, PP: 6, FP: 7, IP: 8, IPCI: 8, IPFX: 8, IPFL: 9,
  CE: 10, DV: 11, RR: 12, RRF: 12, PRF: 13, SC: 15, IPCB: 16, PRD: 17, MR: 18, TD: 19, MD: 20, XD: 21, STD: 22,
};

/** One event: filled by the schedule (time, calcTime, type), then by the evaluation. */
export class ContractEvent {
  payoff = 0;
  notionalPrincipal = 0;
  nominalInterestRate = 0;
  accruedInterest = 0;
  /** Exercise date and amount: own properties only once exercised (see the prototype defaults below). */
  declare exerciseDate: Instant;
  declare exerciseAmount: number;
  /** The event's order key among same-time events (from the type's event order). */
  readonly rank: number;
  constructor(
    /** Event (payment) time: the scheduled time shifted by the business-day convention. */
    readonly time: Instant,
    readonly type: EventType,
    /** Time calculations use (the scheduled time for CS* conventions, else = time). */
    readonly calcTime: Instant,
    /** The scheduled (unshifted) time: market data is observed here. */
    readonly scheduleTime: Instant,
    rank: number,
    readonly currency: string,
  ) {
    this.rank = rank;
  }

  /** time·64 + rank: one number that orders events (exact: instants stay below 2^46); computed, not stored. */
  get key(): number {
    return this.time * 64 + this.rank;
  }
}
// Not exercised (most events of most types): the defaults live on the prototype, not in every event.
ContractEvent.prototype.exerciseDate = NaN;
ContractEvent.prototype.exerciseAmount = 0;

/**
 * Events in the order of their (payment) times and same-day ranks; events of one rank paid the
 * same day in the order of their calculation times: under the CS* conventions an IPCI calculated
 * on Saturday and an IP calculated on Sunday are both paid on Monday (spec "Business Day Shift
 * Convention": calculation before the shift), and the states must run forward in time.
 */
export function compareEvents(a: ContractEvent, b: ContractEvent): number {
  return a.key - b.key || a.calcTime - b.calcTime;
}
