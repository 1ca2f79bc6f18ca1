// Parsing and validation of contract terms as they appear in the test beds and the pipeline:
// dictionary term names, string (or number) values, ISO date-times, cycles. Terms are parsed
// once into a typed ContractTerms object; nothing downstream looks terms up by name.
import { parseDateTime } from '../time/date.js';
import { parseCycle, parsePeriod, type Cycle } from '../time/cycle.js';
import { InvalidTermsError, type TermIssue } from '../errors.js';
import { TERM_DEFINITIONS, APPLICABILITY, type TermDefinition } from './dictionary.js';
import type { ContractTerms } from './contract-terms.js';

export type { ContractTerms } from './contract-terms.js';

/** Names the test beds use that the dictionary spells differently. */
const ALIASES: Record<string, string> = { fixingDays: 'fixingPeriod' };

export type RawTerms = Readonly<Record<string, unknown>>;

function parseValue(def: TermDefinition, v: unknown): { value?: unknown; error?: string } {
  const base = def.kind.endsWith('[]') ? def.kind.slice(0, -2) : def.kind;
  if (def.kind.endsWith('[]') && base !== 'ContractReference') {
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v];
    const out: unknown[] = [];
    for (const it of items) {
      const r = parseValue({ kind: base as TermDefinition['kind'], values: def.values }, it);
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
      return Number.isFinite(n) ? { value: n } : { error: `not a finite number: ${JSON.stringify(v)}` };
    }
    case 'Timestamp': {
      const t = typeof v === 'string' ? parseDateTime(v) : undefined;
      return t === undefined ? { error: `malformed date-time (want YYYY-MM-DDTHH:MM:SS): ${JSON.stringify(v)}` } : { value: t };
    }
    case 'Cycle': {
      const c: Cycle | undefined = typeof v === 'string' ? parseCycle(v) : undefined;
      return c === undefined ? { error: `malformed cycle (want e.g. P1ML0): ${JSON.stringify(v)}` } : { value: c };
    }
    case 'Period': {
      const c = typeof v === 'string' ? parsePeriod(v) : undefined;
      return c === undefined ? { error: `malformed period (want e.g. P2D): ${JSON.stringify(v)}` } : { value: c };
    }
    case 'Enum': {
      const s = typeof v === 'string' ? v.trim() : String(v);
      return def.values && def.values.includes(s)
        ? { value: s }
        : { error: `unknown value ${JSON.stringify(v)} (allowed: ${(def.values ?? []).join(', ')})` };
    }
    case 'Boolean': {
      const s = String(v).trim().toLowerCase();
      return s === 'true' ? { value: true } : s === 'false' ? { value: false } : { error: `not a boolean: ${JSON.stringify(v)}` };
    }
    default:
      return typeof v === 'string' || typeof v === 'number' ? { value: String(v).trim() } : { error: `not a string: ${JSON.stringify(v)}` };
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/**
 * Parses raw terms into typed terms, applying the dictionary's defaults for the contract type.
 * Collects every problem into `issues` (no throw); unknown term names are ignored.
 */
export function parseTermsInto(raw: RawTerms, issues: TermIssue[]): ContractTerms {
  const terms: Record<string, unknown> = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ term: '(terms)', reason: 'terms must be a JSON object' });
    return terms as ContractTerms;
  }
  for (const key of Object.keys(raw)) {
    const name = ALIASES[key] ?? key;
    const def = Object.prototype.hasOwnProperty.call(TERM_DEFINITIONS, name) ? TERM_DEFINITIONS[name] : undefined;
    const v = raw[key];
    if (!def || isEmpty(v)) continue;
    const r = parseValue(def, v);
    if (r.error) issues.push({ term: key, reason: r.error });
    else terms[name] = r.value;
  }
  const type = terms.contractType as string | undefined;
  const app = type ? APPLICABILITY[type] : undefined;
  if (app) {
    for (const name of app.applicable) {
      const def = TERM_DEFINITIONS[name];
      if (terms[name] === undefined && def.default !== undefined && !issues.some((i) => i.term === name)) {
        const r = parseValue(def, def.default);
        if (!r.error) terms[name] = r.value;
      }
    }
  }
  return terms as ContractTerms;
}

/** Parses and validates generically; throws InvalidTermsError listing every issue. */
export function parseTerms(raw: RawTerms): ContractTerms {
  const issues: TermIssue[] = [];
  const t = parseTermsInto(raw, issues);
  if (issues.length) throw new InvalidTermsError(issues, typeof raw?.contractID === 'string' ? raw.contractID : undefined);
  return t;
}

/** Adds a "missing required term" issue for every name in `required` that `terms` lacks. */
export function checkRequired(terms: ContractTerms, required: readonly string[], issues: TermIssue[]): void {
  const rec = terms as Record<string, unknown>;
  for (const name of required)
    if (rec[name] === undefined && !issues.some((i) => i.term === name || ALIASES[i.term] === name))
      issues.push({ term: name, reason: 'missing required term' });
}
