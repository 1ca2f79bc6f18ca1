// Typed errors of the engine. Nothing in engine/ throws anything else to its callers.

export interface TermIssue {
  /** Dictionary term name (for composite contracts later: `<child>.<term>`). */
  readonly term: string;
  readonly reason: string;
}

/** The terms cannot be computed; `issues` names every offending term and why. */
export class InvalidTermsError extends Error {
  readonly issues: readonly TermIssue[];
  constructor(issues: readonly TermIssue[], readonly contractId?: string) {
    super(
      `invalid terms${contractId ? ` of ${contractId}` : ''}: ` + issues.map((i) => `${i.term}: ${i.reason}`).join('; '),
    );
    this.name = 'InvalidTermsError';
    this.issues = issues;
  }
}

/** The terms are valid but the computation hit a limit or a numeric problem (never NaN out). */
export class ComputationError extends Error {
  constructor(
    message: string,
    readonly contractId?: string,
  ) {
    super(contractId ? `${contractId}: ${message}` : message);
    this.name = 'ComputationError';
  }
}

export type EngineError = InvalidTermsError | ComputationError;

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof InvalidTermsError || e instanceof ComputationError;
}
