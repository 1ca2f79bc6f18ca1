// A dependency's failure as an answer may show it: the component and the kind, never where.
import { describe, expect, it } from 'vitest';
import { ComponentRequestError, failureSummary, ServiceUnavailableError } from './errors.js';

const withCode = (message: string, code: string | number) => Object.assign(new Error(message), { code });

describe('failureSummary', () => {
  it('names the component and the kind of failure from the error class and code, never its message', () => {
    const cases: [unknown, string][] = [
      [withCode('password authentication failed for user "bob"', '28P01'), 'authentication failed'],
      [withCode('database "books_prod" does not exist', '3D000'), 'database does not exist'],
      [withCode('getaddrinfo ENOTFOUND db.internal.example', 'ENOTFOUND'), 'host name not resolved'],
      [withCode('connect ECONNREFUSED 10.1.2.3:5432', 'ECONNREFUSED'), 'connection refused'],
      [withCode('odd', 'EWHATEVER'), 'error EWHATEVER'],
      [
        new ServiceUnavailableError('kafka', 'broker.internal:9092', 'broker transport failure', {
          cause: withCode('Local: Broker transport failure', -195),
        }),
        'kafka: broker transport failure',
      ],
      [new ServiceUnavailableError('redis', 'redis://:pw@cache.internal:6379', 'down'), 'redis: unavailable'],
      [
        new ComponentRequestError('schema-registry', 'https://u:pw@registry.internal/apis', 409, 'incompatible'),
        'schema-registry: refused the request (HTTP 409)',
      ],
      [new Error('anything at https://host.internal:1234'), 'failed'],
      ['a string', 'failed'],
    ];
    for (const [e, summary] of cases) expect(failureSummary(e), summary).toBe(summary);
    expect(failureSummary(withCode('connect ECONNREFUSED 10.1.2.3:5432', 'ECONNREFUSED'), 'database')).toBe(
      'database: connection refused',
    );
    // a code that is not a plain token is not shown
    expect(failureSummary(withCode('x', 'postgres://u:pw@h/d'))).toBe('failed');
  });
});
