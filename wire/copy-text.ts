// PostgreSQL's COPY text format (COPY, "Text Format"): tab-separated fields, `\N` for NULL,
// backslash escapes for backslash, tab, newline and carriage return. The fallback of the sink's
// binary COPY (wire/copy-binary.ts) and the format of its small staging copies
// (docs/operations.md "Writing results and moving records fast").
import { decodedEvents, type Schedule } from './schedule.js';

/** What the rows of one contract are made of (db/database.ts ContractResult has these and more). */
type CopiedResult = Pick<Schedule, 'contractId' | 'version' | 'status' | 'events'>;

function copyField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return String(v);
    return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** `rows` as COPY text lines (`fields` gives a row's values in column order), 2,000 rows a chunk. */
export function* copyLines<T>(
  rows: readonly T[],
  fields: (row: T) => (string | number | null)[],
): Generator<string> {
  const chunk: string[] = [];
  for (const row of rows) {
    chunk.push(fields(row).map(copyField).join('\t'));
    if (chunk.length === 2000) {
      yield chunk.join('\n') + '\n';
      chunk.length = 0;
    }
  }
  if (chunk.length) yield chunk.join('\n') + '\n';
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A text field of COPY: escaped only when it has to be (most never do). */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return NEEDS_ESCAPE.test(v) ? copyField(v) : v;
}

function copyNumber(v: number | null): string {
  return v === null ? '\\N' : Number.isFinite(v) ? String(v) : copyField(v);
}

const SEQ: string[] = Array.from({ length: 1024 }, (_, i) => String(i));
const CHUNK_CHARS = 1 << 20;

/**
 * The COPY text of the contract_cashflows rows of `results` (computed ones only), in chunks of
 * about 1 MB: one string per row built directly from the events (no row objects), contract id
 * and version formatted once per contract. Same text as copyLines over db/database.ts stagedRows.
 */
export function* cashflowCopyChunks(results: readonly CopiedResult[]): Generator<Buffer> {
  let chunk = '';
  for (const r of results) {
    if (r.status !== 'computed') continue;
    const id = copyText(r.contractId);
    const version = `\t${copyNumber(r.version)}\n`;
    const events = decodedEvents(r); // the text format is the fallback of the binary one, which copies encoded events as they are
    for (let seq = 0; seq < events.length; seq++) {
      const e = events[seq];
      chunk +=
        id + '\t' + (SEQ[seq] ?? String(seq)) + '\t' + copyText(e.eventDate) + '\t' + copyText(e.eventType) + '\t' + copyText(e.currency) +
        '\t' + copyNumber(e.payoff) + '\t' + copyNumber(e.notionalPrincipal) + '\t' + copyNumber(e.nominalInterestRate) +
        '\t' + copyNumber(e.accruedInterest) + version;
    }
    if (chunk.length >= CHUNK_CHARS) {
      yield Buffer.from(chunk, 'utf8');
      chunk = '';
    }
  }
  if (chunk.length) yield Buffer.from(chunk, 'utf8');
}
