// The SQL Server twin's error classification (its behaviour suite, test/mssql.test.ts, needs a
// server): what is retried as "database unavailable" and what is not.
import { describe, expect, it } from 'vitest';
import { isTransientMssqlError } from './mssql.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('isTransientMssqlError', () => {
  it('a connection lost, closing or timing out is transient', () => {
    for (const code of ['ESOCKET', 'ECONNCLOSED', 'ECLOSE', 'ENOTOPEN', 'ETIMEOUT', 'ECONNRESET']) expect(isTransientMssqlError(withCode(code)), code).toBe(true);
    // mssql wraps tedious's error: the code may sit on the original
    expect(isTransientMssqlError(Object.assign(new Error('x'), { code: 'EREQUEST', originalError: { code: 'ECLOSE' } }))).toBe(true);
  });

  it('deadlock victim, lock timeout and failover error numbers are transient', () => {
    for (const number of [1205, 1222, 40613]) expect(isTransientMssqlError(Object.assign(new Error('x'), { code: 'EREQUEST', number })), String(number)).toBe(true);
    expect(isTransientMssqlError(Object.assign(new Error('x'), { code: 'EREQUEST', originalError: { number: 1205 } }))).toBe(true);
  });

  it('a refused statement (syntax, constraint) or an error of our own code is not', () => {
    expect(isTransientMssqlError(Object.assign(new Error('x'), { code: 'EREQUEST', number: 2627 }))).toBe(false);
    expect(isTransientMssqlError(Object.assign(new Error('x'), { code: 'EREQUEST', number: 102 }))).toBe(false);
    expect(isTransientMssqlError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientMssqlError(null)).toBe(false);
  });
});
