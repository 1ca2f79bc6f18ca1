// Errors of the thin adapters, by class: each says whether trying again can help
// (docs/architecture.md, invariant 5: retriable faults block and retry, never skip; poison goes
// aside). The runner recognises two: RetriableError (the partition waits and the batch is tried
// again) and PoisonRecordError (the record is dead-lettered with the reason). Where a library
// tells a failure only by a code (a Kafka error code, a pg SQLSTATE, a tedious number), its
// adapter turns it into one of these classes once; nothing else reads codes or messages.

export type Component = 'kafka' | 'schema-registry' | 'connect' | 'database' | 'redis';

/** What a retriable fault names as failed: one of our components, or the job callbacks' receivers. */
export type FailedComponent = Component | 'callbacks';

/** An error's message, or the thing itself in words. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An error's class as a dead letter's `errorType` names it. */
export function errorTypeOf(e: unknown): string {
  return e instanceof Error ? e.name || e.constructor.name : typeof e;
}

/**
 * Trying again can help: the runner holds the partition and retries with backoff, never skips
 * the record nor dead-letters it. `component` is what failed; a failure no adapter classified
 * is wrapped as `new RetriableError(component, cause)`, its message the cause's.
 */
export class RetriableError extends Error {
  readonly retriable = true;

  constructor(
    readonly component: FailedComponent,
    cause?: unknown,
    message: string = errorMessage(cause),
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RetriableError';
  }
}

/**
 * This record can never be processed: no retry and no later data can fix it (invalid input, a
 * value its schema refuses, a message too large for the broker). The runner dead-letters it
 * with the message as the reason and `errorType` as its type (the class name unless given).
 */
export class PoisonRecordError extends Error {
  readonly retriable = false;
  private readonly explicitType?: string;

  constructor(message: string, options?: { cause?: unknown; errorType?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PoisonRecordError';
    this.explicitType = options?.errorType;
  }

  get errorType(): string {
    return this.explicitType ?? this.name;
  }
}

/**
 * The broker, or the client's message.max.bytes, refused a send because a message is too large
 * (librdkafka's MSG_SIZE_TOO_LARGE or RECORD_LIST_TOO_LARGE, classified by clients/kafka.ts): no
 * retry makes it fit. Its dead letter keeps the type of the client's own error.
 */
export class MessageTooLargeError extends PoisonRecordError {
  constructor(cause: unknown) {
    super(errorMessage(cause), { cause, errorType: errorTypeOf(cause) });
    this.name = 'MessageTooLargeError';
  }
}

/** The component at `target` answered and refused (bad config, incompatible schema): retrying won't help. */
export class ComponentError extends Error {
  readonly retriable = false;

  constructor(
    readonly component: Component,
    readonly target: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${component} (${target}): ${message}`, options);
    this.name = 'ComponentError';
  }
}

/**
 * The component at `target` fails our calls for now (cannot be reached, fails over, refuses us
 * until an operator acts): retry with backoff. A circuit breaker counts it (clients/breaker.ts).
 */
export class ComponentDownError extends RetriableError {
  declare readonly component: Component;

  constructor(
    component: Component,
    readonly target: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(component, options?.cause, `${component} (${target}): ${message}`);
    this.name = 'ComponentDownError';
  }
}

/** The component cannot be reached or is failing over: retry with backoff. */
export class ServiceUnavailableError extends ComponentDownError {
  /** Why, in a few words that name no address (`connection refused`), when known. */
  readonly reason?: string;

  constructor(
    component: Component,
    target: string,
    readonly hint: string,
    options?: { cause?: unknown; reason?: string },
  ) {
    super(component, target, `unavailable: ${hint}`, options);
    this.name = 'ServiceUnavailableError';
    this.reason = options?.reason;
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
    super(component, target, `HTTP ${status}: ${detail}`, options);
    this.name = 'ComponentRequestError';
  }
}

/** The component an error names as having failed or refused, as its adapter classified it. */
export function componentOf(e: unknown): Component | undefined {
  return e instanceof ComponentError || e instanceof ComponentDownError ? e.component : undefined;
}

/** The variable that tells each component's address: the one to check when it cannot be reached. */
export const ADDRESS_VARIABLE: Record<Component, string> = {
  kafka: 'KAFKA_BOOTSTRAP_SERVERS',
  'schema-registry': 'SCHEMA_REGISTRY_URL',
  connect: 'KAFKA_CONNECT_URL',
  database: 'DATABASE_URL',
  redis: 'REDIS_URL',
};

/** What to do when a component cannot be reached: see what runs, then where we look for it. */
export function nextStep(component: Component, variable: string = ADDRESS_VARIABLE[component]): string {
  return `is it running? \`cashflow stack status\`; else check ${variable}`;
}

export type TransportSecurityFailure = 'authentication' | 'tls' | 'protocol';

/**
 * The component refused the connection's security: a wrong user or password, a certificate
 * the client does not trust, or another security protocol on the other side. A configuration
 * fault: retrying won't help.
 */
export class TransportSecurityError extends ComponentError {
  constructor(
    component: Component,
    target: string,
    readonly failure: TransportSecurityFailure,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(component, target, `${failure} refused: ${hint}`, options);
    this.name = 'TransportSecurityError';
  }
}

/**
 * Node's TLS error codes for a peer certificate that cannot be trusted (private CA missing,
 * expired, another name) or a handshake that cannot agree, in words: every driver reports them
 * as `code`.
 */
const TLS_CAUSES: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate not trusted',
  CERT_UNTRUSTED: 'TLS certificate not trusted',
  CERT_REJECTED: 'TLS certificate not trusted',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  CERT_NOT_YET_VALID: 'TLS certificate not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate for another host',
  // a TLS client at a plaintext port reads its first bytes as a TLS record of no known version
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (a plaintext port?)',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'no TLS version in common',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'no TLS version in common',
};

/** The codes of TLS_CAUSES: a certificate or handshake the peer's settings must fix, not a retry. */
export const TLS_CERTIFICATE_CODES: ReadonlySet<string> = new Set(Object.keys(TLS_CAUSES));

/**
 * Causes in words, by the codes Node (system errors), undici, node-postgres (SQLSTATE), mssql and
 * librdkafka give: what a command prints and what a response body may show.
 */
const CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not resolved',
  EAI_AGAIN: 'host name not resolved',
  ETIMEDOUT: 'timed out',
  ETIMEOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ELOGIN: 'authentication failed',
  ESOCKET: 'connection failed',
  '28P01': 'authentication failed',
  '28000': 'authentication failed',
  '3D000': 'database does not exist',
  '57P03': 'starting up',
  '53300': 'too many connections',
  ...TLS_CAUSES,
  // librdkafka's own (rdkafka.h, RD_KAFKA_RESP_ERR__*)
  '-195': 'broker transport failure',
  '-193': 'host name not resolved',
  '-187': 'all brokers down',
  '-185': 'timed out',
  '-181': 'TLS failure',
  '-169': 'authentication failed',
};

/**
 * What the error's own codes say, rather than its wording: fetch wraps the socket error in
 * `cause` (an AggregateError with `errors` when several addresses were tried), drivers put it
 * in `code`; a timeout is a TimeoutError or AbortError. `words` for a code we know, `code` the
 * first plain code met (a token such as ECONNREFUSED or 28P01, or a number), `innermost` the
 * deepest message.
 */
function readCause(e: unknown): { words?: string; code?: string; innermost: string } {
  const seen = new Set<unknown>();
  const queue: unknown[] = [e];
  let innermost = e instanceof Error ? e.message : String(e);
  let first: string | undefined;
  while (queue.length) {
    const x = queue.shift();
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    const { code, name, message, cause, errors } = x as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if ((typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code)) || Number.isInteger(code)) {
      const words = CAUSES[String(code)];
      if (words) return { words, code: String(code), innermost };
      first ??= String(code);
    }
    if (name === 'TimeoutError' || name === 'AbortError')
      return { words: 'timed out', code: first, innermost };
    if (typeof message === 'string' && message) innermost = message; // fetch's own "fetch failed" says less than its cause
    queue.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return { code: first, innermost };
}

/** Why something could not be reached, in words: from the error's codes, else its innermost message. */
export function causeOf(e: unknown): string {
  const c = readCause(e);
  return c.words ?? c.innermost;
}

/** `component` at `target` could not be reached: the cause in words and the next step. */
export function unreachable(
  component: Component,
  target: string,
  e: unknown,
  options: { variable?: string; cause?: string } = {},
): ServiceUnavailableError {
  return new ServiceUnavailableError(
    component,
    target,
    `${options.cause ?? causeOf(e)} (${nextStep(component, options.variable)})`,
    // the words alone (an unknown cause's message may hold the address)
    { cause: e, reason: options.cause ?? readCause(e).words },
  );
}

/** Whether trying again can help: a RetriableError (by class, whatever it carries). */
export function isRetriable(e: unknown): e is RetriableError {
  return e instanceof RetriableError;
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

/**
 * A dependency's failure as a response body may show it: the component and the kind of failure
 * (from the error's class and code), never the message, which often holds where the component
 * was reached (its URL, host, port, user or database name). The whole error is for the log.
 */
export function failureSummary(e: unknown, component?: Component): string {
  const c = component ?? componentOf(e);
  const cause = readCause(e);
  const kind =
    (e instanceof ServiceUnavailableError ? e.reason : undefined) ??
    cause.words ??
    (cause.code !== undefined
      ? `error ${cause.code}`
      : e instanceof ComponentRequestError
        ? `refused the request (HTTP ${e.status})`
        : isRetriable(e)
          ? 'unavailable'
          : 'failed');
  return c ? `${c}: ${kind}` : kind;
}
