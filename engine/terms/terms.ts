// Parsing and validation of contract terms as they appear in the test beds and the pipeline:
// dictionary term names, string (or number) values, ISO date-times, cycles. Terms are parsed
// once into a typed ContractTerms object; nothing downstream looks terms up by name. A term's
// value is read by its compiled parser (term-parsers.ts); names are checked in term-names.ts.
import { boundedText, InvalidTermsError, type TermIssue } from '../errors.js';
import { TERM_DEFINITIONS, APPLICABILITY } from './dictionary.js';
import type { ContractTerms } from './contract-terms.js';
import { ParsedTerms, TERM_SETTERS } from './parsed-terms.js';
import { ALIASES, unknownTermReason } from './term-names.js';
import { INVALID, invalidReason, isBlank, PARSERS, TERM_INDEX } from './term-parsers.js';
import { parseValue } from './term-values.js';

export type { ContractTerms } from './contract-terms.js';
export { nearestTermName } from './term-names.js';
export { MIN_TERM_DATE_TIME, MAX_TERM_DATE_TIME } from './term-values.js';

export type RawTerms = Readonly<Record<string, unknown>>;

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
    if (value === INVALID) issues.push({ term: key, reason: invalidReason() });
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
