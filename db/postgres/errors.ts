// What a PostgreSQL failure means for the caller: transient (retry later: the server is away,
// restarting, overloaded or in a conflict), a TLS mismatch (configuration), or anything else
// (unchanged). docs/runner.md: retriable faults block the partition, they are never poison.
import { causeOf, nextStep, TLS_CERTIFICATE_CODES } from '../../clients/errors.js';
import { DatabaseConfigurationError, DatabaseUnavailableError } from '../database.js';

// SQLSTATE classes and codes that mean "try again later", and socket errors.
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable url)';
  }
}

// node-postgres reports a connection it lost as a plain Error without SQLSTATE or socket code.
// Seen with an immediate shutdown or a killed backend: the query in flight fails with
// 'Connection terminated unexpectedly', the client's next one with 'Client has encountered a
// connection error and is not queryable'. Unclassified, they were not retriable: the runner took
// the sink's batches apart record by record in search of poison, one step from dead-lettering
// the results (test/database-restart.test.ts).
const CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Query read timeout)/;

/** Whether trying again later can help: the server is away, restarting, overloaded or in a conflict. */
export function isTransientPgError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return SOCKET_CODES.has(code) || TRANSIENT_CODES.has(code) || code.startsWith('08');
  return e instanceof Error && CONNECTION_LOST.test(e.message);
}

/**
 * What is wrong when the connection's TLS and the server's disagree (README "Secure stack"):
 * a certificate not trusted, TLS asked of a server without it, or a server that takes TLS
 * connections only (pg_hba.conf `hostssl`) asked without.
 */
export function pgTlsProblem(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : '';
  if (typeof code === 'string' && TLS_CERTIFICATE_CODES.has(code))
    return `the server's TLS certificate is not trusted (${code}): sslrootcert=<its CA file> in DATABASE_URL`;
  if (/server does not support SSL/i.test(message))
    return 'DATABASE_URL asks for TLS (sslmode) but the server has ssl=off';
  if (code === '28000' && /no encryption/.test(message))
    return 'the server accepts TLS connections only: sslmode=verify-full&sslrootcert=<its CA file> in DATABASE_URL';
  return undefined;
}

/**
 * A TLS mismatch as DatabaseConfigurationError, a transient failure as DatabaseUnavailableError
 * (both retriable, naming the cause and the next step), others unchanged.
 */
export function databaseError(url: string, e: unknown): unknown {
  if (e instanceof DatabaseUnavailableError || e instanceof DatabaseConfigurationError) return e;
  const tls = pgTlsProblem(e);
  if (tls) return new DatabaseConfigurationError(redact(url), `${(e as Error).message}: ${tls}`, { cause: e });
  if (!isTransientPgError(e)) return e;
  return new DatabaseUnavailableError(redact(url), `${causeOf(e)} (${nextStep('database')})`, { cause: e });
}

/** Throws databaseError of `e`: the catch of every statement. */
export function classify(url: string, e: unknown): never {
  throw databaseError(url, e);
}
