// What a SQL Server failure means for the pipeline, and the typed error it becomes.
import { TLS_CERTIFICATE_CODES } from '../../clients/errors.js';
import { DatabaseConfigurationError, DatabaseUnavailableError } from '../database.js';

// One table: what a SQL Server error number or a tedious/mssql error code means for the
// pipeline. `transient` and `resource` are retried with backoff (the partition blocks, nothing
// is skipped: docs/architecture.md, invariant 5); `configuration` is retried too (a sink must not dead-letter
// valid results because its login expired) but says plainly that an operator must act;
// `permanent` is the statement's own fault (constraint, conversion): the runner isolates and
// dead-letters the record. Numbers: SQL Server "Database engine events and errors".

export type MssqlFailureKind = 'transient' | 'resource' | 'configuration' | 'permanent';

export const MSSQL_ERROR_NUMBERS: Readonly<Record<number, { kind: MssqlFailureKind; what: string }>> = {
  1205: { kind: 'transient', what: 'chosen as deadlock victim' },
  1222: { kind: 'transient', what: 'lock request timed out' },
  4060: { kind: 'transient', what: 'cannot open database (failing over, or a wrong database name)' },
  976: { kind: 'transient', what: 'availability replica not readable (failover)' },
  983: { kind: 'transient', what: 'availability replica not primary or resolving (failover)' },
  3948: { kind: 'transient', what: 'transaction ended by an availability replica state change' },
  921: { kind: 'transient', what: 'database not yet recovered' },
  922: { kind: 'transient', what: 'database is being recovered' },
  40197: { kind: 'transient', what: 'service error (Azure SQL reconfiguration)' },
  40501: { kind: 'transient', what: 'service busy (Azure SQL throttling)' },
  40613: { kind: 'transient', what: 'database unavailable (Azure SQL failover)' },
  49918: { kind: 'transient', what: 'not enough resources (Azure SQL)' },
  49919: { kind: 'transient', what: 'too many operations in progress (Azure SQL)' },
  49920: { kind: 'transient', what: 'too many operations in progress (Azure SQL)' },
  10928: { kind: 'transient', what: 'resource limit reached (Azure SQL)' },
  10929: { kind: 'transient', what: 'resource limit reached (Azure SQL)' },
  9002: { kind: 'resource', what: 'transaction log full (back up or grow the log; with CDC, is the capture job running?)' },
  1105: { kind: 'resource', what: 'filegroup full (add space)' },
  701: { kind: 'resource', what: 'insufficient system memory' },
  8645: { kind: 'resource', what: 'timed out waiting for memory resources' },
  1204: { kind: 'resource', what: 'cannot obtain a lock resource' },
  18456: { kind: 'configuration', what: 'login failed (user or password in DATABASE_URL)' },
  18452: { kind: 'configuration', what: 'login from an untrusted domain' },
  18486: { kind: 'configuration', what: 'login locked out' },
  18487: { kind: 'configuration', what: 'password expired' },
  18488: { kind: 'configuration', what: 'password must be changed' },
  229: { kind: 'configuration', what: 'permission denied on an object (grant the rights README "SQL Server first run" lists)' },
  230: { kind: 'configuration', what: 'permission denied on a column' },
  262: { kind: 'configuration', what: 'permission denied in database' },
  916: { kind: 'configuration', what: 'login cannot access the database' },
};

/** tedious / mssql error codes (`err.code`, also on `originalError`). */
export const MSSQL_ERROR_CODES: Readonly<Record<string, { kind: MssqlFailureKind; what: string }>> = {
  ESOCKET: { kind: 'transient', what: 'connection failed or lost' },
  ECONNCLOSED: { kind: 'transient', what: 'connection closed' },
  // tedious: 'Connection closed before request completed' (the server went away mid-request)
  ECLOSE: { kind: 'transient', what: 'connection closed before the request completed' },
  ENOTOPEN: { kind: 'transient', what: 'connection not open yet or closing' },
  ETIMEOUT: { kind: 'transient', what: 'connect or request timeout' },
  ECONNRESET: { kind: 'transient', what: 'connection reset' },
  // mssql TransactionError: the server rolled the transaction back (XACT_ABORT after a deadlock, a failover)
  EABORT: { kind: 'transient', what: 'transaction aborted by the server' },
  // tedious: a request on a connection that has left the LoggedIn state (lost mid-transaction)
  EINVALIDSTATE: { kind: 'transient', what: 'connection in an invalid state (lost mid-transaction)' },
  ELOGIN: { kind: 'configuration', what: 'login failed (user, password or database in DATABASE_URL)' },
};

// Node's TLS verification codes (tls.TLSSocket 'error' .code): the server's certificate is not
// trusted by this process — a configuration error, not an unreachable server.
export interface MssqlFailure {
  kind: MssqlFailureKind;
  /** What it was, e.g. `9002 transaction log full …` or `ELOGIN login failed …`. */
  what: string;
}

interface ErrorShape {
  code?: unknown;
  number?: unknown;
  isTransient?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
  precedingErrors?: unknown;
  info?: { number?: unknown };
}

/** The error and everything it wraps: originalError, cause, and each of precedingErrors. */
function errorChain(e: unknown): ErrorShape[] {
  const out: ErrorShape[] = [];
  const visit = (x: unknown, depth: number) => {
    if (x === null || typeof x !== 'object' || depth > 6 || out.includes(x as ErrorShape)) return;
    const err = x as ErrorShape;
    out.push(err);
    visit(err.originalError, depth + 1);
    visit(err.cause, depth + 1);
    if (Array.isArray(err.precedingErrors)) for (const p of err.precedingErrors) visit(p, depth + 1);
  };
  visit(e, 0);
  return out;
}

const SEVERITY: Record<MssqlFailureKind, number> = { configuration: 3, resource: 2, transient: 1, permanent: 0 };

/**
 * What a SQL Server failure means (see MSSQL_ERROR_NUMBERS). Reads every error of the chain —
 * a batch that failed reports its errors in `precedingErrors`, the last one often only
 * "statement terminated" — and takes the gravest class found; unknown → permanent.
 */
export function classifyMssqlError(e: unknown): MssqlFailure {
  let found: MssqlFailure | undefined;
  const consider = (f: MssqlFailure) => {
    if (!found || SEVERITY[f.kind] > SEVERITY[found.kind]) found = f;
  };
  const chain = errorChain(e);
  // tedious marks a login refused while the database starts or fails over as isTransient (on
  // its own error; mssql's wrapper copies only the code)
  const transientLogin = chain.some((err) => err.code === 'ELOGIN' && err.isTransient === true);
  for (const err of chain) {
    const code = typeof err.code === 'string' ? err.code : undefined;
    const number = typeof err.number === 'number' ? err.number : typeof err.info?.number === 'number' ? err.info.number : undefined;
    if (code && TLS_CERTIFICATE_CODES.has(code)) {
      consider({ kind: 'configuration', what: `${code} the server's TLS certificate is not trusted (a private CA: NODE_EXTRA_CA_CERTS=<ca.pem>; or trustServerCertificate=true in DATABASE_URL for a test server)` });
    }
    if (number !== undefined && MSSQL_ERROR_NUMBERS[number]) consider({ kind: MSSQL_ERROR_NUMBERS[number].kind, what: `${number} ${MSSQL_ERROR_NUMBERS[number].what}` });
    if (code === 'ELOGIN' && transientLogin) consider({ kind: 'transient', what: 'ELOGIN transient login failure (the server is starting or failing over)' });
    else if (code && MSSQL_ERROR_CODES[code]) consider({ kind: MSSQL_ERROR_CODES[code].kind, what: `${code} ${MSSQL_ERROR_CODES[code].what}` });
  }
  return found ?? { kind: 'permanent', what: 'refused by SQL Server' };
}

/** Whether trying again later can help without anyone acting: SQL Server is away, failing over, throttling, short of a resource, or chose us as a deadlock victim. */
export function isTransientMssqlError(e: unknown): boolean {
  const kind = classifyMssqlError(e).kind;
  return kind === 'transient' || kind === 'resource';
}

/** The typed error a failure becomes (see MSSQL_ERROR_NUMBERS); permanent failures stay as they are. */
export function mssqlFailure(target: string, e: unknown): unknown {
  const f = classifyMssqlError(e);
  const message = (e as Error)?.message ?? String(e);
  switch (f.kind) {
    case 'transient':
      return new DatabaseUnavailableError(target, `${message} [${f.what}] (is SQL Server reachable? DATABASE_URL)`, { cause: e });
    case 'resource':
      return new DatabaseUnavailableError(target, `${message} [${f.what}] (SQL Server is short of a resource: an operator must act; retrying)`, { cause: e });
    case 'configuration':
      return new DatabaseConfigurationError(target, `${message} [${f.what}]`, { cause: e });
    default:
      return e;
  }
}
