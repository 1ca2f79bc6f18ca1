// Composite contracts (spec "Contract Composition", "Child Contract Observer"): the parsed
// `contractStructure` (CTST), the ContractResolver through which the engine gets the terms of
// contracts referenced by id, and the computation of child contracts with the ordinary engine.
//
// A reference is either inline (`{object: {<child terms>}, referenceType: "CNT"}`), by contract
// id (`{object: {contractIdentifier}, referenceType: "CID"}`) or by market object
// (`{object: {marketObjectCode}, referenceType: "MOC"}`). A child referenced by id whose terms
// the resolver does not know is not an error: it has no events, and the parent is computed from
// its own terms and the observed events (docs/interfaces.md, `cashflow actus`).
import type { RawTerms, ContractTerms } from './terms/terms.js';
import { boundedText, ComputationError, InvalidTermsError, isEngineError, type TermIssue } from './errors.js';
import type { ContractEvent } from './events.js';
import type { ChildEngine, ContractContext, ContractResolver, PreparedContract, StatesAt } from './contract-type.js';
import { checkTermNames, parseTermsInto } from './terms/terms.js';

export type { ContractResolver } from './contract-type.js';

/** A resolver that knows no contract. */
export const emptyResolver: ContractResolver = { termsOf: () => undefined };

/** A resolver over a map or record of contract id → raw terms. */
export function resolverOf(contracts: ReadonlyMap<string, RawTerms> | Readonly<Record<string, RawTerms>>): ContractResolver {
  if (contracts instanceof Map) return { termsOf: (id) => contracts.get(id) };
  const rec = contracts as Readonly<Record<string, RawTerms>>;
  return { termsOf: (id) => (Object.prototype.hasOwnProperty.call(rec, id) ? rec[id] : undefined) };
}

/** One entry of `contractStructure`. */
export interface ContractReference {
  /** Position in contractStructure. */
  readonly index: number;
  /** CNT (inline child terms), CID (contract id), MOC (market object), or another dictionary type. */
  readonly referenceType: string;
  /** FIL, SEL (legs), UDL, UDLP, UDLM (underlyings), COVE, COVI (covered / covering)... */
  readonly referenceRole: string;
  /** The child's contract id (CID reference, or contractID of inline terms). */
  readonly contractId?: string;
  /** The market object code of a MOC reference. */
  readonly marketObjectCode?: string;
  /** Inline child terms (CNT reference). */
  readonly terms?: RawTerms;
  /** How messages name the child: its contract id, else `contractStructure[i]`. */
  readonly label: string;
}

/** Maximum nesting of composite contracts (guards against self-referencing terms objects). */
export const MAX_COMPOSITE_DEPTH = 32;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;
}

/** Parses a contractStructure value (array, or its JSON text); pushes one issue per bad entry. */
export function parseContractStructure(value: unknown, issues: TermIssue[]): ContractReference[] {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      issues.push({ term: 'contractStructure', reason: 'not a JSON array of contract references' });
      return [];
    }
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) v = [v];
  if (!Array.isArray(v)) {
    issues.push({ term: 'contractStructure', reason: 'not an array of contract references' });
    return [];
  }
  const out: ContractReference[] = [];
  v.forEach((entry: unknown, index: number) => {
    const at = `contractStructure[${index}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      issues.push({ term: at, reason: 'not a contract reference object' });
      return;
    }
    const e = entry as Record<string, unknown>;
    const obj = e.object;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      issues.push({ term: `${at}.object`, reason: 'missing (want child terms, {contractIdentifier} or {marketObjectCode})' });
      return;
    }
    const o = obj as Record<string, unknown>;
    const role = str(e.referenceRole ?? e.role);
    if (role === undefined) issues.push({ term: `${at}.referenceRole`, reason: 'missing' });
    const contractId = str(o.contractIdentifier) ?? str(o.contractID);
    const marketObjectCode = str(o.marketObjectCode);
    const inline = o.contractType !== undefined;
    const type = str(e.referenceType ?? e.type) ?? (inline ? 'CNT' : contractId !== undefined ? 'CID' : marketObjectCode !== undefined ? 'MOC' : undefined);
    if (type === undefined) {
      issues.push({ term: `${at}.referenceType`, reason: 'missing and not derivable from the object' });
      return;
    }
    if (type === 'CNT' && !inline) issues.push({ term: `${at}.object`, reason: 'reference type CNT needs the child terms (contractType...)' });
    if (type === 'CID' && contractId === undefined) issues.push({ term: `${at}.object.contractIdentifier`, reason: 'missing for reference type CID' });
    if (type === 'MOC' && marketObjectCode === undefined) issues.push({ term: `${at}.object.marketObjectCode`, reason: 'missing for reference type MOC' });
    out.push({
      index,
      referenceType: type,
      referenceRole: role ?? '',
      contractId,
      marketObjectCode: type === 'MOC' ? marketObjectCode : undefined,
      terms: inline ? (o as RawTerms) : undefined,
      label: contractId ?? at,
    });
  });
  return out;
}

const structureCache = new WeakMap<ContractTerms, readonly ContractReference[]>();

/** The parsed contractStructure of (already validated) terms; [] when there is none. */
export function structureOf(terms: ContractTerms): readonly ContractReference[] {
  let s = structureCache.get(terms);
  if (s === undefined) {
    s = terms.contractStructure === undefined ? [] : parseContractStructure(terms.contractStructure, []);
    structureCache.set(terms, s);
  }
  return s;
}

/** CTST_role^type: the references with the given role (and reference type, if given). */
export function referencesOf(terms: ContractTerms, role: string | readonly string[], type?: string): ContractReference[] {
  const roles = typeof role === 'string' ? [role] : role;
  return structureOf(terms).filter((r) => roles.includes(r.referenceRole) && (type === undefined || r.referenceType === type));
}

/** Terms a parent imposes on a child (the spec's conditioning attributes `a`, e.g. CNTRL=RPL). */
export type ChildOverrides = (parent: ContractTerms, ref: ContractReference) => RawTerms | undefined;

/** Prefixes a child's issues with the child's name: `<child>.<term>`. */
function prefixed(ref: ContractReference, issues: readonly TermIssue[]): TermIssue[] {
  return issues.map((i) => ({ term: `${ref.label}.${i.term}`, reason: i.reason }));
}

function childRaw(raw: RawTerms, overrides: RawTerms | undefined): RawTerms {
  return overrides === undefined ? raw : { ...raw, ...overrides };
}

const preparedCache = new WeakMap<RawTerms, Map<string, PreparedContract>>();

function prepareCached(engine: ChildEngine, raw: RawTerms, overrides: RawTerms | undefined): PreparedContract {
  // undefined in overrides removes a term: keep it in the key (as null, which parses the same)
  const key = overrides === undefined ? '' : JSON.stringify(overrides, (_k, v: unknown) => (v === undefined ? null : v));
  let m = preparedCache.get(raw);
  if (m === undefined) preparedCache.set(raw, (m = new Map()));
  let p = m.get(key);
  if (p === undefined) {
    p = engine.prepare(childRaw(raw, overrides));
    m.set(key, p);
  }
  return p;
}

export interface StructureRules {
  /** Roles allowed in the structure (others are an issue). */
  readonly roles?: readonly string[];
  /** Roles that must appear exactly once. */
  readonly requiredRoles?: readonly string[];
  /** Reference types allowed (default: all). */
  readonly referenceTypes?: readonly string[];
  /** Terms the parent imposes on children. */
  readonly overrides?: ChildOverrides;
  /** Roles whose inline children are only read (e.g. CEC collateral: its market object code), never computed: not validated as contracts. */
  readonly readOnlyRoles?: readonly string[];
}

/**
 * Validation of a composite's contractStructure for ContractType.validate: the entries, the
 * roles, and every inline child's terms (issues named `<child>.<term>`).
 */
export function validateStructure(terms: ContractTerms, issues: TermIssue[], engine: ChildEngine, rules: StructureRules = {}): void {
  if (terms.contractStructure === undefined) return; // reported by checkRequired when required
  const own: TermIssue[] = [];
  const refs = parseContractStructure(terms.contractStructure, own);
  issues.push(...own);
  structureCache.set(terms, refs);
  for (const r of refs) {
    if (rules.roles && !rules.roles.includes(r.referenceRole))
      issues.push({ term: `contractStructure[${r.index}].referenceRole`, reason: `role ${r.referenceRole || '(none)'} not allowed here (allowed: ${rules.roles.join(', ')})` });
    if (rules.referenceTypes && !rules.referenceTypes.includes(r.referenceType))
      issues.push({ term: `contractStructure[${r.index}].referenceType`, reason: `reference type ${r.referenceType} not allowed here (allowed: ${rules.referenceTypes.join(', ')})` });
  }
  for (const role of rules.requiredRoles ?? []) {
    const n = refs.filter((r) => r.referenceRole === role).length;
    if (n !== 1) issues.push({ term: 'contractStructure', reason: n === 0 ? `no reference with role ${role}` : `${n} references with role ${role} (want one)` });
  }
  for (const r of refs) {
    if (r.terms === undefined) continue;
    if (rules.readOnlyRoles?.includes(r.referenceRole)) {
      // not a contract computed here, but a misspelt name would still drop what is read from it
      const names: TermIssue[] = [];
      checkTermNames(r.terms, names);
      issues.push(...prefixed(r, names));
      continue;
    }
    try {
      prepareCached(engine, r.terms, rules.overrides?.(terms, r));
    } catch (e) {
      if (e instanceof InvalidTermsError) issues.push(...prefixed(r, e.issues));
      else throw e;
    }
  }
}

/** A computed child: absent (referenced by id, terms unknown, or a market object) or its events. */
export interface ChildResult {
  readonly ref: ContractReference;
  /** The child's prepared terms; undefined when absent. */
  readonly prepared?: PreparedContract;
  /** The child's events (empty when absent). */
  readonly events: readonly ContractEvent[];
}

/**
 * Computes a child with the ordinary engine, under the parent's observer, resolver and horizon
 * (unless `to` is given). Inline terms win over the resolver. Throws InvalidTermsError naming
 * the child for bad child terms, ComputationError for a reference cycle.
 */
export function computeChild(
  ctx: ContractContext,
  ref: ContractReference,
  overrides?: RawTerms,
  to: number | undefined = ctx.to,
  /** Also report the child's states at these times (left empty when the child is absent). */
  statesAt?: StatesAt,
): ChildResult {
  let raw = ref.terms;
  if (raw === undefined && ref.contractId !== undefined && ref.referenceType !== 'MOC') raw = (ctx.resolver ?? emptyResolver).termsOf(ref.contractId);
  if (raw === undefined) return { ref, events: [] };
  const chain = [...(ctx.referenceChain ?? []), ctx.contractId];
  const childId = ref.contractId ?? (typeof raw.contractID === 'string' ? raw.contractID : undefined);
  if (childId !== undefined && chain.includes(childId))
    throw new ComputationError(`reference cycle: ${[...chain, childId].join(' -> ')}`, ctx.contractId);
  if (chain.length >= MAX_COMPOSITE_DEPTH) throw new ComputationError(`contracts nested deeper than ${MAX_COMPOSITE_DEPTH} levels: ${chain.join(' -> ')}`, ctx.contractId);
  let prepared: PreparedContract;
  try {
    prepared = prepareCached(ctx.engine, raw, overrides);
  } catch (e) {
    if (e instanceof InvalidTermsError) throw new InvalidTermsError(prefixed(ref, e.issues), ctx.contractId);
    throw e;
  }
  try {
    const events = ctx.engine.evaluate(prepared, { to, observer: ctx.observer, resolver: ctx.resolver, referenceChain: chain }, statesAt);
    return { ref, prepared, events };
  } catch (e) {
    if (e instanceof InvalidTermsError) throw new InvalidTermsError(prefixed(ref, e.issues), ctx.contractId);
    if (e instanceof ComputationError && !e.message.startsWith(`${boundedText(ctx.contractId ?? '')}:`)) {
      // the child's message starts with its own id (bounded, as ComputationError writes it): say it once, as `child <label>: ...`
      const own = e.contractId ? `${boundedText(e.contractId)}: ` : '';
      throw new ComputationError(`child ${ref.label}: ${own && e.message.startsWith(own) ? e.message.slice(own.length) : e.message}`, ctx.contractId);
    }
    if (isEngineError(e)) throw e;
    throw new ComputationError(`child ${ref.label}: ${e instanceof Error ? e.message : String(e)}`, ctx.contractId);
  }
}

/**
 * ContractType.dependencies of composites: the contract ids referenced (CID and inline
 * children), the market object codes of MOC references, and the dependencies of inline children.
 */
export function structureDependencies(terms: ContractTerms, out: Set<string>, engine: ChildEngine, depth = 0): void {
  if (terms.contractStructure === undefined || depth > MAX_COMPOSITE_DEPTH) return;
  for (const r of parseContractStructure(terms.contractStructure, [])) {
    if (r.contractId !== undefined) out.add(r.contractId);
    if (r.marketObjectCode !== undefined) out.add(r.marketObjectCode);
    if (r.terms === undefined) continue;
    const child = parseTermsInto(r.terms, []);
    const type = child.contractType ? engine.typeOf(child.contractType) : undefined;
    if (type) type.dependencies(child, out, engine);
    if (child.contractStructure !== undefined) structureDependencies(child, out, engine, depth + 1);
    if (!type) for (const k of ['marketObjectCode', 'marketObjectCodeOfRateReset', 'marketObjectCodeOfScalingIndex'] as const) {
      const v = child[k];
      if (typeof v === 'string') out.add(v);
    }
  }
}

/**
 * cldca(ref, MOC): the market object code of a referenced contract (spec "Child Contract
 * Observer"): the code of a MOC reference, else the marketObjectCode of the child's terms (inline
 * or from the resolver); undefined when neither is known.
 */
export function childMarketObjectCode(ctx: ContractContext, ref: ContractReference): string | undefined {
  if (ref.marketObjectCode !== undefined) return ref.marketObjectCode;
  let raw = ref.terms;
  if (raw === undefined && ref.contractId !== undefined) raw = (ctx.resolver ?? emptyResolver).termsOf(ref.contractId);
  return raw === undefined ? undefined : str(raw.marketObjectCode);
}
