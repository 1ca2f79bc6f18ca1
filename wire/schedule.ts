// A schedule as the pipeline carries it from the calculator to the database: a ContractCashflows
// whose events are either objects or still their Avro encoding. The calculator encodes a
// schedule straight from the engine's events (wire/schedule-encoder.ts) and the encoder copies
// those bytes; the sink scans a message without decoding its events
// (wire/avro-cashflows.ts scanContractCashflows) and the PostgreSQL twin copies them into COPY
// from the bytes. Readers that want objects call decodedEvents; the API's readers get plain
// ContractCashflows from the database.
import avro from 'avsc';
import { avroSchema } from '../schemas/avro.js';
import type { CashflowEvent, ContractCashflows } from '../schemas/types.js';

/** A schedule's events in their Avro encoding: the array's bytes (its blocks and the final 0) and how many events they hold. */
export interface EncodedEvents {
  readonly bytes: Uint8Array;
  readonly count: number;
}

export type ScheduleEvents = CashflowEvent[] | EncodedEvents;

/** cashflow.contract-cashflows as the pipeline holds it: the events decoded or not. */
export type Schedule = Omit<ContractCashflows, 'events'> & { events: ScheduleEvents };

export function isEncoded(events: ScheduleEvents): events is EncodedEvents {
  return !Array.isArray(events);
}

/** How many events `s` has, without decoding them. */
export function eventCount(s: Pick<Schedule, 'events'>): number {
  return isEncoded(s.events) ? s.events.count : s.events.length;
}

/** The events of `s` as objects (decoded when still encoded: each call decodes again). */
export function decodedEvents(s: Pick<Schedule, 'events'>): CashflowEvent[] {
  return isEncoded(s.events) ? decodeEncodedEvents(s.events.bytes) : s.events;
}

/** `s` with its events as objects (a copy when they were encoded), the keys in the schema's order. */
export function decodedSchedule<S extends Pick<Schedule, 'events'>>(s: S): Omit<S, 'events'> & { events: CashflowEvent[] } {
  return isEncoded(s.events) ? { ...s, events: decodeEncodedEvents(s.events.bytes) } : (s as Omit<S, 'events'> & { events: CashflowEvent[] });
}

// avsc's compiled type of the events array decodes as fast as the hand-written reader did
// (bench/README.md "wire/"): the codec keeps to what avsc does not do (scan) or does slower (write).
let eventsType: avro.Type | undefined;

/** The events of an encoded events array (checked: a truncated or trailing byte throws). */
export function decodeEncodedEvents(bytes: Uint8Array): CashflowEvent[] {
  eventsType ??= avro.Type.forSchema(avroSchema('ContractCashflows').fields.find((f) => f.name === 'events')!.type as avro.Schema);
  return eventsType.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as CashflowEvent[];
}
