// The Avro binary codec of ContractCashflows, the pipeline's largest and most frequent record
// (every schedule, tens of events each). It writes exactly the schema of
// schemas/avro/contract-cashflows.avsc (the unit test checks byte equality with avsc on
// generated values); a value it does not recognise as valid makes encode return undefined, and
// the caller falls back to avsc (which validates and names the offending fields). Reading is
// only for messages written with our own schema id; other writers go through avsc's schema
// resolution. Writing is by hand (wire/avro-writer.ts: avsc's compiled type is about three times
// slower, bench/README.md "wire/"); reading walks the body without building the events, which
// stay encoded (wire/schedule.ts).
import type { CashflowEvent, ContractCashflows } from '../schemas/types.js';
import { AvroReader } from './avro-reader.js';
import { AvroWriter, InvalidAvroValue, slabBytes } from './avro-writer.js';
import { decodedSchedule, isEncoded, type Schedule } from './schedule.js';

const STATUS = ['computed', 'waiting', 'deleted'] as const;

// The message of a schedule with encoded events is written here, then copied out at its size.
const scratch = new AvroWriter(1024);

/**
 * The Confluent wire format (magic 0, schema id) and the Avro body of `v`, or undefined when
 * `v` is not a valid ContractCashflows (the caller then lets avsc report what is wrong).
 */
export function encodeContractCashflows(schemaId: number, v: Schedule): Buffer | undefined {
  const events = v.events;
  const encoded = events !== null && typeof events === 'object' && isEncoded(events) ? events.bytes : undefined;
  if (encoded === undefined && !Array.isArray(events)) return undefined;
  let w: AvroWriter;
  if (encoded === undefined) w = new AvroWriter(128 + (events as CashflowEvent[]).length * 64);
  else {
    w = scratch;
    w.pos = 0;
  }
  try {
    w.byte(0);
    w.ensure(4);
    w.buf.writeUInt32BE(schemaId, 1);
    w.pos = 5;
    w.string(v.contractId);
    w.nullableString(v.contractType);
    w.long(v.version);
    w.nullableString(v.fingerprint);
    const status = STATUS.indexOf(v.status);
    if (status < 0) return undefined;
    w.long(status);
    w.nullableString(v.reason);
    w.string(v.computedAt);
    if (encoded !== undefined) {
      w.ensure(encoded.length);
      w.buf.set(encoded, w.pos);
      w.pos += encoded.length;
    } else {
      const list = events as CashflowEvent[];
      if (list.length > 0) {
        w.long(list.length);
        for (const e of list) writeEvent(w, e);
      }
      w.byte(0);
    }
    w.nullableString(v.jobId);
    if (v.requestedAtMs === undefined) return undefined;
    if (v.requestedAtMs === null) w.byte(0);
    else {
      w.byte(2);
      w.long(v.requestedAtMs);
    }
  } catch (e) {
    if (e instanceof InvalidAvroValue || e instanceof RangeError) return undefined;
    throw e;
  }
  if (encoded === undefined) return w.buf.subarray(0, w.pos);
  const message = slabBytes(w.pos);
  w.buf.copy(message, 0, 0, w.pos);
  return message;
}

function writeEvent(w: AvroWriter, e: CashflowEvent): void {
  if (e === null || typeof e !== 'object') throw new InvalidAvroValue();
  w.string(e.eventDate);
  w.string(e.eventType);
  w.nullableString(e.currency);
  w.double(e.payoff);
  w.nullableDouble(e.notionalPrincipal);
  w.nullableDouble(e.nominalInterestRate);
  w.nullableDouble(e.accruedInterest);
  w.nullableString(e.exerciseDate);
  w.nullableDouble(e.exerciseAmount);
}

/**
 * A ContractCashflows body written with our own schema (after the 5-byte header), checked in
 * full (structure, union and enum indexes, lengths, no trailing bytes) with its events left
 * encoded. The sink copies them into the database from there: building ~80 objects with three
 * strings each per contract only to take them apart again for COPY was most of its CPU.
 */
export function scanContractCashflows(message: Buffer, offset = 5): Schedule {
  const r = new AvroReader(message, offset);
  const contractId = r.string();
  const contractType = r.nullableString();
  const version = r.long();
  const fingerprint = r.nullableString();
  const statusIndex = r.long();
  const status = STATUS[statusIndex];
  if (status === undefined) throw new RangeError(`bad enum index ${statusIndex}`);
  const reason = r.nullableString();
  const computedAt = r.string();
  const arrayStart = r.pos;
  let count = 0;
  for (;;) {
    let n = r.long();
    if (n === 0) break;
    if (n < 0) {
      n = -n;
      r.long(); // block size in bytes
    }
    for (let i = 0; i < n; i++) {
      r.skipString(); // eventDate
      r.skipString(); // eventType
      r.skipNullableString(); // currency
      r.skip(8); // payoff
      r.skipNullableDouble();
      r.skipNullableDouble();
      r.skipNullableDouble();
      r.skipNullableString(); // exerciseDate
      r.skipNullableDouble(); // exerciseAmount
    }
    count += n;
  }
  const arrayEnd = r.pos;
  const jobId = r.nullableString();
  const requestedAtMs = r.union() ? r.long() : null;
  if (r.pos !== message.length) throw new RangeError(`trailing ${message.length - r.pos} bytes`);
  const events = count === 0 ? [] : { bytes: message.subarray(arrayStart, arrayEnd), count };
  // the keys in the schema's order (inspect prints them so)
  return { contractId, contractType, version, fingerprint, status, reason, computedAt, events, jobId, requestedAtMs };
}

/** The value of a ContractCashflows body written with our own schema (after the 5-byte header), events decoded. */
export function decodeContractCashflows(message: Buffer, offset = 5): ContractCashflows {
  return decodedSchedule(scanContractCashflows(message, offset));
}
