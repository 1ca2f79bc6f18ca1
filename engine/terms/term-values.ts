// A term's value from its raw form (a string, or a number, as the test beds and the pipeline
// give it) by the term's dictionary kind, and the checks of its allowed range: the generic,
// readable form of term parsing (engine/terms/term-parsers.ts compiles the same per term).
import { parseDateTime, instant, formatDateTime, type Instant } from '../time/date.js';
import { parseCycle, parsePeriod, type Cycle } from '../time/cycle.js';
import { quoteValue } from '../errors.js';
import type { TermDefinition, TermRange } from './dictionary.js';

/** Enumeration values the test beds spell out in full (arrayFixedVariable FIX / VAR for F / V: lax17). */
const ENUM_SPELLINGS: Record<string, string> = { FIX: 'F', VAR: 'V' };

/**
 * The acronym of an enumeration value written as the dictionary also names it: its acronym or its
 * identifier in any case (the dictionary writes its own defaults so: endOfMonthConvention 'sd',
 * businessDayConvention 'nos', calendar 'noCalendar'); undefined for anything else.
 */
export function dictionarySpelling(def: TermDefinition, s: string): string | undefined {
  const spellings = def.spellings;
  if (spellings === undefined) return undefined;
  const key = s.toLowerCase();
  return Object.prototype.hasOwnProperty.call(spellings, key) ? spellings[key] : undefined;
}

/** A text (Varchar) term's value: a string or a number, trimmed; undefined for anything else. */
export function textOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v).trim() : undefined;
}

export const notText = (v: unknown) => `not a string: ${quoteValue(v)}`;

// Date-times a term may hold: SQL Server datetime2's range (0001-01-01T00:00:00 to
// 9999-12-31T23:59:59), which PostgreSQL's timestamp contains, so a contract the engine accepts
// can be stored by both databases. parseDateTime reads four-digit years (0000-9999): only the
// year 0000 is below the range.
export const MIN_TERM_DATE_TIME: Instant = instant(1, 1, 1);
export const MAX_TERM_DATE_TIME: Instant = instant(9999, 12, 31, 23, 59, 59);
const DATE_RANGE = `${formatDateTime(MIN_TERM_DATE_TIME)} to ${formatDateTime(MAX_TERM_DATE_TIME)}`;
const MALFORMED_DATE_TIME = 'malformed date-time (want YYYY-MM-DDTHH:MM:SS)';

/** A term's date-time, or why not: malformed, or outside the databases' range. */
export function termDateTime(v: unknown): Instant | string {
  const t = typeof v === 'string' ? parseDateTime(v) : undefined;
  if (t === undefined) return `${MALFORMED_DATE_TIME}: ${quoteValue(v)}`;
  if (t < MIN_TERM_DATE_TIME || t > MAX_TERM_DATE_TIME) return `date-time ${quoteValue(v)} outside ${DATE_RANGE} (SQL Server datetime2)`;
  return t;
}

/**
 * ISO 4217 currency codes: the runtime's own list (ICU), plus the codes of ISO 4217's list that
 * ICU leaves out because no money is printed in them: precious metals, bond market units, fund
 * codes, the testing code and "no currency" (a commodity or a gold-linked contract is stated in
 * XAU; a Chilean UF-indexed loan in CLF).
 */
const ISO4217 = new Set([
  ...Intl.supportedValuesOf('currency'),
  ...['XAU', 'XAG', 'XPT', 'XPD', 'XBA', 'XBB', 'XBC', 'XBD', 'XUA', 'XSU', 'XDR', 'XTS', 'XXX'],
  ...['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW', 'VED'],
]);

/**
 * Why a parsed value is outside its term's allowed range (dictionary allowedValues,
 * engine/terms/generate-dictionary.py), or undefined when inside.
 */
export function rangeReason(range: TermRange, value: unknown): string | undefined {
  switch (range) {
    case 'nonNegative':
      // the dictionary's "Positive": zero allowed (not documented as strict; several default to 0)
      return (value as number) < 0 ? `must not be negative: ${value as number}` : undefined;
    case '(0,1]':
      // dictionary "(0,1)", but its default is 1 and the test beds give 1.0 (guarantee09, collateral09)
      return (value as number) > 0 && (value as number) <= 1 ? undefined : `must be in (0,1]: ${value as number}`;
    case 'ISO4217':
      return ISO4217.has(value as string) ? undefined : `not an ISO 4217 currency code: ${quoteValue(value)}`;
  }
}

export function parseValue(def: TermDefinition, v: unknown): { value?: unknown; error?: string } {
  const base = def.kind.endsWith('[]') ? def.kind.slice(0, -2) : def.kind;
  if (def.kind.endsWith('[]') && base !== 'ContractReference') {
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v];
    const out: unknown[] = [];
    for (const it of items) {
      const r = parseValue({ kind: base as TermDefinition['kind'], values: def.values, spellings: def.spellings }, it);
      if (r.error) return r;
      out.push(r.value);
    }
    return { value: out };
  }
  switch (base) {
    case 'ContractReference':
      return { value: v };
    case 'Real': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: `not a finite number: ${quoteValue(v)}` };
    }
    case 'Timestamp': {
      const t = termDateTime(v);
      return typeof t === 'string' ? { error: t } : { value: t };
    }
    case 'Cycle': {
      const c: Cycle | undefined = typeof v === 'string' ? parseCycle(v) : undefined;
      return c === undefined ? { error: `malformed cycle (want e.g. P1ML0): ${quoteValue(v)}` } : { value: c };
    }
    case 'Period': {
      const c = typeof v === 'string' ? parsePeriod(v) : undefined;
      return c === undefined ? { error: `malformed period (want e.g. P2D): ${quoteValue(v)}` } : { value: c };
    }
    case 'Enum': {
      let s = typeof v === 'string' ? v.trim() : String(v);
      if (def.values && !def.values.includes(s) && Object.prototype.hasOwnProperty.call(ENUM_SPELLINGS, s) && def.values.includes(ENUM_SPELLINGS[s])) s = ENUM_SPELLINGS[s];
      if (def.values && !def.values.includes(s)) s = dictionarySpelling(def, s) ?? s;
      return def.values && def.values.includes(s)
        ? { value: s }
        : { error: `unknown value ${quoteValue(v)} (allowed: ${(def.values ?? []).join(', ')})` };
    }
    case 'Boolean': {
      const s = String(v).trim().toLowerCase();
      return s === 'true' ? { value: true } : s === 'false' ? { value: false } : { error: `not a boolean: ${quoteValue(v)}` };
    }
    default: {
      const text = textOf(v);
      return text === undefined ? { error: notText(v) } : { value: text };
    }
  }
}

