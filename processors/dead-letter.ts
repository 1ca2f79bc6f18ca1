// The dead letter of a rejected record (docs/architecture.md, invariant 5), bounded in size: one poison record
// must not become a message the broker refuses, or the runner would retry its send and block
// the partition for good. The original value is kept whole up to a limit
// (CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES); beyond it, its length and SHA-256 stand in for the
// bytes (enough to find the row at its source and prove it is the same). The reason is cut to
// DEAD_LETTER_REASON_MAX characters: an engine message naming every offending term of a huge
// row is still readable in that, and headers stay small.
import { createHash } from 'node:crypto';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { DeadLetter } from '../schemas/types.js';
import { errorMessage, errorTypeOf, PoisonRecordError } from '../clients/errors.js';
import type { InputRecord, Rejection } from './processor.js';

/** Characters of a dead letter's reason (value and header) kept; the rest is summarised. */
export const DEAD_LETTER_REASON_MAX = 500;

/** Original keys longer than this are left out of the minimal form (keys are contract ids). */
const MINIMAL_KEY_MAX = 1024;

export interface DeadLetterLimits {
  /** Largest original value kept whole (bytes). */
  maxValueBytes: number;
  /**
   * The fallback after the broker refused the dead letter as too large: no original value at
   * all (length and hash only) and a key over MINIMAL_KEY_MAX left out.
   */
  minimal?: boolean;
}

/** `text` whole up to `max` characters, else its start and how much was cut. */
export function boundedReason(text: string, max = DEAD_LETTER_REASON_MAX): string {
  if (text.length <= max) return text;
  const note = ` … (${text.length - max} more characters cut)`;
  // never split a surrogate pair: the cut text must stay valid UTF-16 (it becomes UTF-8 bytes)
  let end = Math.max(0, max - note.length);
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end) + note;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The dead letter message (key, Avro value before encoding, headers) of one rejection. */
export function deadLetterMessage(
  processor: string,
  d: Rejection,
  failedAtMs: number,
  limits: DeadLetterLimits,
): { key: Buffer | null; value: DeadLetter; headers: KafkaJS.IHeaders } {
  const raw = d.record.rawValue;
  const keepValue = raw !== null && !limits.minimal && raw.length <= limits.maxValueBytes;
  const rawKey = d.record.rawKey;
  const key = limits.minimal && rawKey !== null && rawKey.length > MINIMAL_KEY_MAX ? null : rawKey;
  const reason = boundedReason(d.reason);
  const errorType = boundedReason(d.errorType, 200);
  const valueBytes = raw === null ? null : raw.length;
  const valueSha256 = raw === null ? null : sha256Hex(raw);
  const value: DeadLetter = {
    processor,
    reason,
    errorType,
    originalTopic: d.record.topicName,
    originalPartition: d.record.partition,
    originalOffset: d.record.offset,
    originalKey: key,
    originalValue: keepValue ? raw : null,
    failedAtMs,
    originalValueBytes: valueBytes,
    originalValueSha256: valueSha256,
  };
  const headers: KafkaJS.IHeaders = {
    processor,
    reason,
    'error.type': errorType,
    'original.topic': d.record.topicName,
    'original.partition': String(d.record.partition),
    'original.offset': d.record.offset,
  };
  if (raw !== null) {
    headers['original.value.bytes'] = String(valueBytes);
    headers['original.value.sha256'] = valueSha256!;
    if (!keepValue)
      headers['original.value.omitted'] = limits.minimal
        ? 'refused as too large'
        : `over ${limits.maxValueBytes} bytes`;
  }
  return { key, value, headers };
}

/**
 * The rejection of a record that failed with `e` (undecodable, or poison alone in its batch):
 * the error's message as the reason, its class as the type (a PoisonRecordError's own).
 */
export function rejectionOf(record: InputRecord, e: unknown): Rejection {
  return { record, reason: errorMessage(e), errorType: e instanceof PoisonRecordError ? e.errorType : errorTypeOf(e) };
}
