// Errors of the thin adapters: each names the component, where it was reached, and whether
// trying again can help (BRIEF invariant 5: retriable faults block and retry, never skip).

export type Component = 'kafka' | 'schema-registry' | 'connect' | 'database' | 'redis';

export class ComponentError extends Error {
  constructor(
    readonly component: Component,
    readonly target: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${component} (${target}): ${message}`, options);
    this.name = 'ComponentError';
  }
}

/** The component cannot be reached or is failing over: retry with backoff. */
export class ServiceUnavailableError extends ComponentError {
  constructor(
    component: Component,
    target: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(component, target, `unavailable: ${hint}`, true, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** The component answered and refused (bad config, incompatible schema): retrying won't help. */
export class ComponentRequestError extends ComponentError {
  constructor(
    component: Component,
    target: string,
    readonly status: number,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(component, target, `HTTP ${status}: ${detail}`, false, options);
    this.name = 'ComponentRequestError';
  }
}

export function isRetriable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { retriable?: unknown }).retriable === true;
}

/** Hides a password in a URL before it goes into a message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable url)';
  }
}
