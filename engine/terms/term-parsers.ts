// Each term's parser compiled once: its kind resolved, its allowed range checked, its setter a
// named store, and date-times and cycles remembered by their text. The fast form of
// engine/terms/term-values.ts, which parsing every contract of a book goes through.
import { parseCycle, type Cycle } from '../time/cycle.js';
import { quoteValue } from '../errors.js';
import { TERM_DEFINITIONS, type TermDefinition } from './dictionary.js';
import { TERM_SETTERS, type ParsedTerms } from './parsed-terms.js';
import { ALIASES } from './term-names.js';
import { dictionarySpelling, notText, parseValue, rangeReason, termDateTime, textOf } from './term-values.js';

/** Each dictionary term's index (givenIn). */
export const TERM_INDEX = new Map<string, number>(Object.keys(TERM_DEFINITIONS).map((name, i) => [name, i]));

/** A term's compiled parser: its kind resolved once, its setter a named store. */
export interface TermParser {
  readonly def: TermDefinition;
  /** TERM_INDEX of the term (an alias has its term's) */
  readonly index: number;
  readonly parse: (v: unknown) => unknown;
  readonly set: (t: ParsedTerms, v: unknown) => void;
}

// Parsed date-times and cycles by their text: a book repeats them across its contracts (the API
// bench's PAM book: 120 distinct dates in 160,000 contracts), and parsing them was most of the
// term parsing of a job chunk. Both are immutable values (an Instant, a readonly Cycle), so
// contracts may share them. Bounded: cleared when full.
const MAX_REMEMBERED = 10_000;
const timestamps = new Map<string, number>();
const cycles = new Map<string, Cycle>();

/** Returned by a parser for an invalid value; the reason is in `lastReason`. */
export const INVALID = Symbol('invalid');
let lastReason = '';

/** Why the last parser that returned INVALID refused its value. */
export function invalidReason(): string {
  return lastReason;
}

/** A parser of text values through `parseText`, each text's value remembered in `m` (shared by the terms of its kind). */
function rememberedParser<V>(m: Map<string, V>, parseText: (text: string) => V | undefined, reason: (v: unknown) => string): (v: unknown) => unknown {
  return (v) => {
    if (typeof v === 'string') {
      let value = m.get(v);
      if (value !== undefined) return value;
      value = parseText(v);
      if (value !== undefined) {
        if (m.size >= MAX_REMEMBERED) m.clear();
        m.set(v, value);
        return value;
      }
    }
    lastReason = reason(v);
    return INVALID;
  };
}

/**
 * `s.trim() === ''`, without trimming a value that starts with a printable ASCII character
 * (every value of a usual book: several per contract).
 */
export function isBlank(s: string): boolean {
  const c = s.charCodeAt(0);
  return !(c > 32 && c < 127) && s.trim() === '';
}

function fastParser(def: TermDefinition): (v: unknown) => unknown {
  switch (def.kind) {
    case 'Real':
      return (v) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
        if (Number.isFinite(n) && !(typeof v === 'string' && isBlank(v))) return n;
        lastReason = `not a finite number: ${quoteValue(v)}`;
        return INVALID;
      };
    case 'Timestamp':
      // only date-times inside the range are remembered: a text out of it is parsed (and refused) again
      return rememberedParser(
        timestamps,
        (s) => {
          const t = termDateTime(s);
          return typeof t === 'string' ? undefined : t;
        },
        (v) => termDateTime(v) as string,
      );
    case 'Cycle':
      return rememberedParser(cycles, parseCycle, (v) => `malformed cycle (want e.g. P1ML0): ${quoteValue(v)}`);
    case 'Enum': {
      const values = new Set(def.values ?? []);
      // the test beds spell scaling effects with the letter O (IOO, INO) as well as with zeros
      const letterO = def.values?.includes('IN0') === true;
      // the reference's long calendar names (NOCALENDAR in the FXOUT test beds)
      const long: Record<string, string> | undefined = def.values?.includes('NC') ? { NOCALENDAR: 'NC', MONDAYTOFRIDAY: 'MF' } : undefined;
      return (v) => {
        const str = letterO && typeof v === 'string' ? v.replace(/O/g, '0') : typeof v === 'string' ? v : String(v);
        if (values.has(str)) return str;
        if (long !== undefined && Object.prototype.hasOwnProperty.call(long, str.trim())) return long[str.trim()];
        const t = str.trim();
        if (values.has(t)) return t;
        const named = dictionarySpelling(def, t);
        if (named !== undefined) return named;
        lastReason = `unknown value ${quoteValue(v)} (allowed: ${[...values].join(', ')})`;
        return INVALID;
      };
    }
    case 'Varchar':
      // parseValue's text case without its result object (contractID and currency of every contract)
      return (v) => {
        const text = textOf(v);
        if (text !== undefined) return text;
        lastReason = notText(v);
        return INVALID;
      };
    default:
      return (v) => {
        const r = parseValue(def, v);
        if (r.error === undefined) return r.value;
        lastReason = r.error;
        return INVALID;
      };
  }
}

/** fastParser with the term's allowed range checked on the parsed value (terms with a range only). */
function termParser(def: TermDefinition): (v: unknown) => unknown {
  const parse = fastParser(def);
  const range = def.range;
  if (range === undefined) return parse;
  return (v) => {
    const value = parse(v);
    if (value === INVALID) return INVALID;
    const reason = rangeReason(range, value);
    if (reason === undefined) return value;
    lastReason = reason;
    return INVALID;
  };
}

/** Every dictionary term's parser, by its name and by each alias. */
export const PARSERS = new Map<string, TermParser>();
for (const [name, def] of Object.entries(TERM_DEFINITIONS))
  PARSERS.set(name, { def, index: TERM_INDEX.get(name)!, parse: termParser(def), set: TERM_SETTERS.get(name)! });
for (const [alias, name] of Object.entries(ALIASES)) PARSERS.set(alias, PARSERS.get(name)!);

