// The SQL Server twin's error classification on the driver's own error objects (its behaviour
// suite, test/mssql.test.ts, needs a server): mssql's RequestError / ConnectionError /
// TransactionError and tedious's errors, built as mssql/lib/tedious/request.js and
// tedious/lib/connection.js build them.
import sql from 'mssql';
import { ConnectionError as TdsConnectionError, RequestError as TdsRequestError } from 'tedious';
import { describe, expect, it } from 'vitest';
import { DatabaseConfigurationError, DatabaseUnavailableError } from '../database.js';
import { classifyMssqlError, isTransientMssqlError, MSSQL_ERROR_NUMBERS, mssqlFailure } from './errors.js';

/** A server error as mssql's request handler makes it from tedious's ERROR token. */
function serverError(number: number, message = `server error ${number}`): sql.RequestError {
  const e = Object.assign(new Error(message), { info: { number, state: 1, class: 16, message, serverName: 'sql1', procName: '', lineNumber: 1 } });
  return new sql.RequestError(e as unknown as string, 'EREQUEST');
}

/** A failed batch: mssql pops the last error and hangs the others on it as precedingErrors. */
function failedBatch(...numbers: number[]): sql.RequestError {
  const errors = numbers.map((n) => serverError(n));
  const last = errors.pop()!;
  return Object.assign(last, { precedingErrors: errors });
}

/** A connection-level failure: tedious's ConnectionError wrapped in mssql's ConnectionError. */
function connectionError(message: string, code: string, extra: Record<string, unknown> = {}, cause?: Error): sql.ConnectionError {
  const tds = Object.assign(new TdsConnectionError(message, code, cause ? { cause } : undefined), extra);
  return new sql.ConnectionError(tds as unknown as string);
}

/** Node's TLS verification error as tls.TLSSocket emits it. */
function tlsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const kind = (e: unknown) => classifyMssqlError(e).kind;

describe('classifyMssqlError', () => {
  it('transient: connection lost, closing, timing out; deadlock, lock timeout; failover; EABORT and EINVALIDSTATE', () => {
    expect(kind(connectionError('Failed to connect to sql1:1433 - connect ECONNREFUSED 10.0.0.5:1433', 'ESOCKET'))).toBe('transient');
    expect(kind(connectionError('Connection lost - read ECONNRESET', 'ESOCKET'))).toBe('transient');
    expect(kind(new sql.RequestError(new TdsRequestError('Connection closed before request completed.', 'ECLOSE') as unknown as string, 'EREQUEST'))).toBe('transient');
    expect(kind(new sql.RequestError(new TdsRequestError('Timeout: Request failed to complete in 120000ms', 'ETIMEOUT') as unknown as string, 'EREQUEST'))).toBe('transient');
    for (const n of [1205, 1222, 976, 983, 3948, 921, 922, 40613]) expect(kind(serverError(n)), String(n)).toBe('transient');
    expect(kind(new sql.TransactionError('Transaction has been aborted.', 'EABORT'))).toBe('transient');
    expect(kind(new sql.RequestError(new TdsRequestError('Requests can only be made in the LoggedIn state, not the Final state', 'EINVALIDSTATE') as unknown as string, 'EREQUEST'))).toBe('transient');
    // a login refused while the database starts or fails over (tedious marks it isTransient)
    expect(kind(connectionError("Database 'cashflow' on server 'sql1' is not currently available.", 'ELOGIN', { isTransient: true }))).toBe('transient');
  });

  it('resource: log full, filegroup full, memory — retried, never dead-lettered', () => {
    for (const n of [9002, 1105, 701, 8645]) {
      const e = serverError(n);
      expect(kind(e), String(n)).toBe('resource');
      expect(isTransientMssqlError(e)).toBe(true);
      const typed = mssqlFailure('mssql://sql1:1433/cashflow', e);
      expect(typed).toBeInstanceOf(DatabaseUnavailableError);
      expect((typed as Error).message).toContain(MSSQL_ERROR_NUMBERS[n].what);
    }
  });

  it('configuration: a failed login and an untrusted TLS certificate say so, and are not "is SQL Server reachable?"', () => {
    const login = connectionError("Login failed for user 'cashflow'.", 'ELOGIN');
    expect(kind(login)).toBe('configuration');
    const cert = connectionError(
      'Failed to connect to sql1:1433 - self-signed certificate in certificate chain',
      'ESOCKET',
      {},
      tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
    );
    expect(kind(cert)).toBe('configuration');
    const expired = connectionError('Failed to connect to sql1:1433 - certificate has expired', 'ESOCKET', {}, tlsError('CERT_HAS_EXPIRED', 'certificate has expired'));
    expect(kind(expired)).toBe('configuration');
    for (const e of [login, cert]) {
      const typed = mssqlFailure('mssql://sql1:1433/cashflow', e) as DatabaseConfigurationError;
      expect(typed).toBeInstanceOf(DatabaseConfigurationError);
      expect(typed.retriable).toBe(true); // blocks the partition; valid results are never dead-lettered
      expect(typed.message).not.toMatch(/reachable/);
    }
    expect((mssqlFailure('t', cert) as Error).message).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(kind(serverError(229, "The SELECT permission was denied on the object 'contracts'"))).toBe('configuration');
  });

  it('reads every error of a failed batch, not only the last', () => {
    // deadlock reported first, then "the statement has been terminated" (3621) last
    expect(kind(failedBatch(1205, 3621))).toBe('transient');
    expect(kind(failedBatch(9002, 3621))).toBe('resource');
    expect(kind(failedBatch(2627, 3621))).toBe('permanent');
  });

  it('permanent: a refused statement (constraint, conversion, syntax) or an error of our own code', () => {
    for (const n of [2627, 2601, 245, 102, 8152]) expect(kind(serverError(n)), String(n)).toBe('permanent');
    const e = serverError(2627);
    expect(mssqlFailure('t', e)).toBe(e);
    expect(kind(new TypeError('x is undefined'))).toBe('permanent');
    expect(kind(null)).toBe('permanent');
  });
});
