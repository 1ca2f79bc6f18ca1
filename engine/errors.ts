// Typed errors of the engine. Nothing in engine/ throws anything else to its callers.
// Messages are bounded whatever the input: a value is quoted by a short prefix (quoteValue), and
// an InvalidTermsError lists its first issues only (50 MB of input once gave a 52 MB message).

export interface TermIssue {
  /** Dictionary term name (for composite contracts later: `<child>.<term>`). */
  readonly term: string;
  readonly reason: string;
}

/** Characters of a value that a message quotes. */
export const QUOTED_PREFIX = 40;
/** Bound of an InvalidTermsError message (its issues are all kept in `issues`). */
export const MAX_TERMS_MESSAGE = 400;

/** A text cut to `max` characters, with its length when cut: `abc… (1234 chars)`. */
export function boundedText(s: string, max = QUOTED_PREFIX): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}

/**
 * A value as a message quotes it: JSON text, at most QUOTED_PREFIX characters of it. A long
 * string is cut before it is quoted (no copy of it is made).
 */
export function quoteValue(v: unknown): string {
  if (typeof v === 'string') return v.length <= QUOTED_PREFIX ? JSON.stringify(v) : `${JSON.stringify(v.slice(0, QUOTED_PREFIX))}… (${v.length} chars)`;
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = undefined;
  }
  return boundedText(text ?? String(v));
}

/** The message of an InvalidTermsError: the first issues within MAX_TERMS_MESSAGE characters, then "and N more". */
function termsMessage(issues: readonly TermIssue[], contractId: string | undefined): string {
  let s = `invalid terms${contractId ? ` of ${boundedText(contractId)}` : ''}: `;
  for (let i = 0; i < issues.length; i++) {
    const part = `${i ? '; ' : ''}${boundedText(issues[i].term, 80)}: ${boundedText(issues[i].reason, 200)}`;
    const rest = issues.length - i;
    // the first issue always; a later one only if it and the "and N more" of those after it fit
    if (i > 0 && s.length + part.length + (rest > 1 ? 20 : 0) > MAX_TERMS_MESSAGE) return `${s}; and ${rest} more`;
    s += part;
  }
  return s;
}

/** The terms cannot be computed; `issues` names every offending term and why. */
export class InvalidTermsError extends Error {
  readonly issues: readonly TermIssue[];
  constructor(issues: readonly TermIssue[], readonly contractId?: string) {
    super(termsMessage(issues, contractId));
    this.name = 'InvalidTermsError';
    this.issues = issues;
  }
}

/**
 * Market data handed to the engine as test bed `dataObserved` is malformed: an observation
 * whose value is not a finite number or whose timestamp is not a date-time. Named: the series
 * and the observation (index and timestamp). A value is never dropped silently: another
 * observation would be used in its place.
 */
export class InvalidMarketDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMarketDataError';
  }
}

/** The terms are valid but the computation hit a limit or a numeric problem (never NaN out). */
export class ComputationError extends Error {
  constructor(
    message: string,
    readonly contractId?: string,
  ) {
    super(contractId ? `${boundedText(contractId)}: ${message}` : message);
    this.name = 'ComputationError';
  }
}

export type EngineError = InvalidTermsError | InvalidMarketDataError | ComputationError;

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof InvalidTermsError || e instanceof ComputationError || e instanceof InvalidMarketDataError;
}
