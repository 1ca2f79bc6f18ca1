// dependenciesOf(terms): every market object code (and, for composite types, referenced
// contract id) whose data can change the result. The pipeline's incremental recalculation
// relies on it being complete: each contract type contributes through ContractType.dependencies.
import { parseTermsInto, type ContractTerms, type RawTerms } from './terms/terms.js';
import { childEngine } from './engine.js';
import type { TermIssue } from './errors.js';
import { structureDependencies } from './composite.js';

export function dependenciesOf(raw: RawTerms): Set<string> {
  const issues: TermIssue[] = [];
  return dependenciesOfTerms(parseTermsInto(raw, issues));
}

/** dependenciesOf for terms already parsed (a prepared contract's: no second parse). */
export function dependenciesOfTerms(terms: ContractTerms): Set<string> {
  const out = new Set<string>();
  const type = terms.contractType ? childEngine.typeOf(terms.contractType) : undefined;
  if (type) type.dependencies(terms, out, childEngine);
  else {
    // unknown or invalid type: be conservative, list every code-like term given
    for (const k of ['marketObjectCode', 'marketObjectCodeOfRateReset', 'marketObjectCodeOfScalingIndex'] as const) {
      const v = terms[k];
      if (typeof v === 'string') out.add(v);
    }
  }
  // composite types: referenced contract ids, MOC underlyings, the inline children's codes
  if (terms.contractStructure !== undefined) structureDependencies(terms, out, childEngine);
  return out;
}
