// Parsing and validation of contract terms as they appear in the test beds and the pipeline:
// dictionary term names, string (or number) values, ISO date-times, cycles. Terms are parsed
// once into a typed ContractTerms object; nothing downstream looks terms up by name.
import { parseDateTime, instant, formatDateTime, type Instant } from '../time/date.js';
import { parseCycle, parsePeriod, type Cycle } from '../time/cycle.js';
import { boundedText, InvalidTermsError, quoteValue, type TermIssue } from '../errors.js';
import { TERM_DEFINITIONS, APPLICABILITY, type TermDefinition, type TermRange } from './dictionary.js';
import { ParsedTerms, TERM_SETTERS, type ContractTerms } from './contract-terms.js';

export type { ContractTerms } from './contract-terms.js';

/** Names the test beds use that the dictionary spells differently. */
const ALIASES: Record<string, string> = {
  fixingDays: 'fixingPeriod',
  cycleAnchorDateOfDividendPayment: 'cycleAnchorDateOfDividend',
  cycleOfDividendPayment: 'cycleOfDividend',
  // the CEC test beds' collateral children (collateral01...): `creatorId` for the dictionary's creatorID
  creatorId: 'creatorID',
};

export type RawTerms = Readonly<Record<string, unknown>>;

/** Enumeration values the test beds spell out in full (arrayFixedVariable FIX / VAR for F / V: lax17). */
const ENUM_SPELLINGS: Record<string, string> = { FIX: 'F', VAR: 'V' };

/**
 * The acronym of an enumeration value written as the dictionary also names it: its acronym or its
 * identifier in any case (the dictionary writes its own defaults so: endOfMonthConvention 'sd',
 * businessDayConvention 'nos', calendar 'noCalendar'); undefined for anything else.
 */
function dictionarySpelling(def: TermDefinition, s: string): string | undefined {
  const spellings = def.spellings;
  if (spellings === undefined) return undefined;
  const key = s.toLowerCase();
  return Object.prototype.hasOwnProperty.call(spellings, key) ? spellings[key] : undefined;
}

/** A text (Varchar) term's value: a string or a number, trimmed; undefined for anything else. */
function textOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v).trim() : undefined;
}

const notText = (v: unknown) => `not a string: ${quoteValue(v)}`;

// Date-times a term may hold: SQL Server datetime2's range (0001-01-01T00:00:00 to
// 9999-12-31T23:59:59), which PostgreSQL's timestamp contains, so a contract the engine accepts
// can be stored by both databases. parseDateTime reads four-digit years (0000-9999): only the
// year 0000 is below the range.
export const MIN_TERM_DATE_TIME: Instant = instant(1, 1, 1);
export const MAX_TERM_DATE_TIME: Instant = instant(9999, 12, 31, 23, 59, 59);
const DATE_RANGE = `${formatDateTime(MIN_TERM_DATE_TIME)} to ${formatDateTime(MAX_TERM_DATE_TIME)}`;
const MALFORMED_DATE_TIME = 'malformed date-time (want YYYY-MM-DDTHH:MM:SS)';

/** A term's date-time, or why not: malformed, or outside the databases' range. */
function termDateTime(v: unknown): Instant | string {
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
function rangeReason(range: TermRange, value: unknown): string | undefined {
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

function parseValue(def: TermDefinition, v: unknown): { value?: unknown; error?: string } {
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

/** Each dictionary term's index (givenIn). */
const TERM_INDEX = new Map<string, number>(Object.keys(TERM_DEFINITIONS).map((name, i) => [name, i]));
/** Per term, the parseTermsInto call (generation) that last gave it a value. */
const givenIn = new Int32Array(TERM_INDEX.size);
let generation = 0;
function nextGeneration(): number {
  if (generation === 0x7fffffff) {
    givenIn.fill(0);
    generation = 0;
  }
  return ++generation;
}

interface TermDefault {
  readonly name: string;
  /** TERM_INDEX of the name */
  readonly index: number;
  readonly value: unknown;
  readonly set: (t: ParsedTerms, v: unknown) => void;
}
const defaultsCache = new Map<string, readonly TermDefault[] | undefined>();

/** The dictionary defaults of the terms applicable to a contract type, parsed once. */
function defaultsOf(type: string): readonly TermDefault[] | undefined {
  if (defaultsCache.has(type)) return defaultsCache.get(type);
  const app = Object.prototype.hasOwnProperty.call(APPLICABILITY, type) ? APPLICABILITY[type] : undefined;
  const list: TermDefault[] = [];
  if (app)
    for (const name of app.applicable) {
      const def = TERM_DEFINITIONS[name];
      if (def.default === undefined) continue;
      const r = parseValue(def, def.default);
      if (!r.error) list.push({ name, index: TERM_INDEX.get(name)!, value: r.value, set: TERM_SETTERS.get(name)! });
    }
  const result = app ? list : undefined;
  defaultsCache.set(type, result);
  return result;
}

/** A term's compiled parser: its kind resolved once, its setter a named store. */
interface TermParser {
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
const INVALID = Symbol('invalid');
let lastReason = '';

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
function isBlank(s: string): boolean {
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

const PARSERS = new Map<string, TermParser>();
for (const [name, def] of Object.entries(TERM_DEFINITIONS))
  PARSERS.set(name, { def, index: TERM_INDEX.get(name)!, parse: termParser(def), set: TERM_SETTERS.get(name)! });
for (const [alias, name] of Object.entries(ALIASES)) PARSERS.set(alias, PARSERS.get(name)!);

/** Dictionary names and aliases, lower-cased, for the did-you-mean of an unknown name. */
const KNOWN_NAMES = [...PARSERS.keys()];

/** Edit distance (Levenshtein with adjacent transpositions) of a and b, or more than `max` once it exceeds it. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The dictionary name an unknown term name most likely means: the one equal to it ignoring
 * case, else the nearest by edit distance (case-insensitive), if within a third of its length
 * (at least 2). Runs only for an unknown name (never on the parsing of valid terms).
 */
export function nearestTermName(name: string): string | undefined {
  if (name.length > 200) return undefined; // not a misspelt name: no search through it
  const lower = name.toLowerCase();
  for (const k of KNOWN_NAMES) if (k.toLowerCase() === lower) return ALIASES[k] ?? k;
  const max = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const k of KNOWN_NAMES) {
    const d = editDistance(lower, k.toLowerCase(), Math.min(max, bestDistance));
    if (d < bestDistance) {
      bestDistance = d;
      best = ALIASES[k] ?? k;
    }
  }
  return best;
}

function unknownTermReason(name: string): string {
  const near = nearestTermName(name);
  return `unknown term '${boundedText(name)}'${near ? ` (did you mean '${near}'?)` : ''}`;
}

/**
 * Parses raw terms into typed terms, applying the dictionary's defaults for the contract type.
 * Collects every problem into `issues` (no throw). A name that is neither a dictionary term nor
 * an alias the test beds use is an issue (a misspelt term would otherwise be left out of the
 * computation unseen), unless its value is empty (null, "" or blanks: not given, as for a known
 * term).
 */
export function parseTermsInto(raw: RawTerms, issues: TermIssue[]): ContractTerms {
  const parsed = new ParsedTerms();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ term: '(terms)', reason: 'terms must be a JSON object' });
    return parsed;
  }
  const before = issues.length;
  // the terms given a value, marked with this call's number: whether a default applies is
  // read here, not from `parsed` by name (a keyed load on a 125-field object per default)
  const call = nextGeneration();
  for (const key in raw) {
    if (!Object.prototype.hasOwnProperty.call(raw, key)) continue;
    const p = PARSERS.get(key);
    const v = raw[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'string' && isBlank(v)) continue;
    if (p === undefined) {
      issues.push({ term: boundedText(key, 200), reason: unknownTermReason(key) });
      continue;
    }
    const value = p.parse(v);
    if (value === INVALID) issues.push({ term: key, reason: lastReason });
    else {
      p.set(parsed, value);
      givenIn[p.index] = call;
    }
  }
  const type = parsed.contractType;
  const defaults = type ? defaultsOf(type) : undefined;
  if (defaults) {
    const bad = issues.length > before ? new Set(issues.map((i) => ALIASES[i.term] ?? i.term)) : undefined;
    for (let i = 0; i < defaults.length; i++) {
      const d = defaults[i];
      // a parsed value is never undefined: given ⇔ set above
      if (givenIn[d.index] !== call && !bad?.has(d.name)) {
        d.set(parsed, d.value);
        givenIn[d.index] = call;
      }
    }
  }
  lastParsed = parsed;
  lastCall = call;
  return parsed;
}

/**
 * Only the names of raw terms: an issue for each unknown name given a value (as parseTermsInto
 * reports it). For terms the engine reads a few values of without parsing them as a contract
 * (a CEC's collateral, an option's underlying: engine/composite.ts readOnlyRoles).
 */
export function checkTermNames(raw: RawTerms, issues: TermIssue[]): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  for (const key in raw) {
    if (!Object.prototype.hasOwnProperty.call(raw, key) || PARSERS.has(key)) continue;
    const v = raw[key];
    if (v === undefined || v === null || v === '' || (typeof v === 'string' && isBlank(v))) continue;
    issues.push({ term: boundedText(key, 200), reason: unknownTermReason(key) });
  }
}

/** Parses and validates generically; throws InvalidTermsError listing every issue. */
export function parseTerms(raw: RawTerms): ContractTerms {
  const issues: TermIssue[] = [];
  const t = parseTermsInto(raw, issues);
  if (issues.length) throw new InvalidTermsError(issues, typeof raw?.contractID === 'string' ? raw.contractID : undefined);
  return t;
}

/** The terms the last parseTermsInto returned, and its call number (givenIn marks what it set). */
let lastParsed: ParsedTerms | undefined;
let lastCall = 0;
/** TERM_INDEX of each name of a required list (-1: not a dictionary term), per list. */
const requiredIndexes = new WeakMap<readonly string[], Int32Array>();

/** Adds a "missing required term" issue for every name in `required` that `terms` lacks. */
export function checkRequired(terms: ContractTerms, required: readonly string[], issues: TermIssue[]): void {
  // terms just parsed (prepareContract): what is set is read from the marks of their parse, not
  // by name from the 125-field object (terms are never changed after their parse)
  const call = terms === lastParsed ? lastCall : 0;
  let indexes = requiredIndexes.get(required);
  if (indexes === undefined) {
    indexes = Int32Array.from(required, (name) => TERM_INDEX.get(name) ?? -1);
    requiredIndexes.set(required, indexes);
  }
  const rec = terms as Record<string, unknown>;
  for (let k = 0; k < required.length; k++) {
    const name = required[k];
    const index = indexes[k];
    const given = call !== 0 && index >= 0 ? givenIn[index] === call : rec[name] !== undefined;
    if (!given && !issues.some((i) => i.term === name || ALIASES[i.term] === name))
      issues.push({ term: name, reason: 'missing required term' });
  }
}
