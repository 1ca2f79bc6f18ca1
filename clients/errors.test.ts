// Errors of the dependencies: the cause in words from the error's code, the message a command
// prints, what a response body may show (the component and the kind, never where).
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  ADDRESS_VARIABLE,
  ComponentDownError,
  ComponentRequestError,
  PoisonRecordError,
  RetriableError,
  componentOf,
  ServiceUnavailableError,
  TLS_CERTIFICATE_CODES,
  causeOf,
  failureSummary,
  isRetriable,
  unreachable,
  type Component,
} from './errors.js';
import { backoffDelayMs } from './backoff.js';
import { requestJson } from './http.js';

/** A port nothing listens on (fetch refuses some low ports such as 1 outright as "bad port"). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('causeOf', () => {
  it('reads the socket code inside fetch\'s "fetch failed"', async () => {
    const e = await fetch(`http://127.0.0.1:${await closedPort()}/`).catch((x: unknown) => x);
    expect((e as Error).message).toBe('fetch failed');
    expect(causeOf(e)).toBe('connection refused');
  });

  it('reads codes of drivers, AggregateErrors and timeouts', () => {
    expect(
      causeOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    ).toBe('connection refused');
    expect(
      causeOf(
        new AggregateError([Object.assign(new Error('x'), { code: 'ETIMEDOUT' })], 'several addresses'),
      ),
    ).toBe('timed out');
    expect(causeOf(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(
      'timed out',
    );
    expect(causeOf(Object.assign(new Error('getaddrinfo ENOTFOUND nohost'), { code: 'ENOTFOUND' }))).toBe(
      'host name not resolved',
    );
  });

  it('says every TLS certificate code in words about TLS (one table for both)', () => {
    expect(TLS_CERTIFICATE_CODES.size).toBe(13);
    for (const code of TLS_CERTIFICATE_CODES)
      expect(causeOf(Object.assign(new Error('handshake'), { code }))).toMatch(/\bTLS\b/);
    expect(causeOf(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }))).toBe('TLS certificate expired');
    expect(TLS_CERTIFICATE_CODES.has('ECONNREFUSED')).toBe(false);
  });

  it('falls back to the innermost message when no code says more', () => {
    expect(causeOf(new Error('outer', { cause: new Error('bad port') }))).toBe('bad port');
    expect(causeOf('plain')).toBe('plain');
  });
});

describe('unreachable', () => {
  it.each(Object.entries(ADDRESS_VARIABLE) as [Component, string][])(
    '%s: names the component, the address, the cause and the next step, and is retriable',
    (component, variable) => {
      const e = unreachable(component, 'host:1', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
      expect(e).toBeInstanceOf(ServiceUnavailableError);
      expect(e.message).toBe(
        `${component} (host:1): unavailable: connection refused (is it running? \`cashflow stack status\`; else check ${variable})`,
      );
      expect(isRetriable(e)).toBe(true);
    },
  );
});

describe('requestJson classifies by the cause', () => {
  it('a refused connection is retriable and names component, address and next step', async () => {
    const port = await closedPort();
    const e = await requestJson(
      'schema-registry',
      'GET',
      `http://127.0.0.1:${port}/apis/ccompat/v7/subjects`,
      undefined,
      {
        target: `http://127.0.0.1:${port}/apis/ccompat/v7`,
      },
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceUnavailableError);
    expect(isRetriable(e)).toBe(true);
    expect((e as Error).message).toBe(
      `schema-registry (http://127.0.0.1:${port}/apis/ccompat/v7): unavailable: connection refused (is it running? \`cashflow stack status\`; else check SCHEMA_REGISTRY_URL)`,
    );
  });

  it('a 5xx is retriable, a 4xx from a server that answered is not', async () => {
    const { createServer: createHttp } = await import('node:http');
    const server = createHttp((req, res) => {
      res.writeHead(req.url === '/busy' ? 503 : 409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: req.url === '/busy' ? 'starting' : 'incompatible schema' }));
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const busy = await requestJson('schema-registry', 'GET', `${base}/busy`).catch((x: unknown) => x);
      expect(busy).toBeInstanceOf(ServiceUnavailableError);
      expect(isRetriable(busy)).toBe(true);
      const refused = await requestJson('schema-registry', 'POST', `${base}/subjects/s/versions`, {}).catch(
        (x: unknown) => x,
      );
      expect(refused).toBeInstanceOf(ComponentRequestError);
      expect(isRetriable(refused)).toBe(false);
      expect((refused as Error).message).toContain('HTTP 409');
      expect((refused as Error).message).toContain('incompatible schema');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('backoffDelayMs', () => {
  it('doubles from the initial wait up to the cap, within ±25 % jitter', () => {
    const b = { initialMs: 100, maxMs: 10_000 };
    expect(backoffDelayMs(b, 0, () => 0.5)).toBe(100);
    expect(backoffDelayMs(b, 3, () => 0.5)).toBe(800);
    expect(backoffDelayMs(b, 30, () => 0.5)).toBe(10_000);
    expect(backoffDelayMs(b, 0, () => 0)).toBe(75);
    expect(backoffDelayMs(b, 0, () => 1)).toBe(125);
  });
});

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
        new ComponentRequestError(
          'schema-registry',
          'https://u:pw@registry.internal/apis',
          409,
          'incompatible',
        ),
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

describe('the two classes the runner recognises', () => {
  it('RetriableError names the component and keeps its cause and message; isRetriable is by class', () => {
    const cause = new TypeError('socket hang up');
    const e = new RetriableError('kafka', cause);
    expect(e).toMatchObject({ component: 'kafka', cause, message: 'socket hang up', retriable: true });
    expect(isRetriable(e)).toBe(true);
    // a property alone no longer makes an error retriable
    expect(isRetriable(Object.assign(new Error('x'), { retriable: true }))).toBe(false);
  });

  it('the component errors: down is retriable and names the component, a refusal is not', () => {
    const down = unreachable('redis', 'r:6379', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
    expect(down).toBeInstanceOf(ComponentDownError);
    expect(down).toBeInstanceOf(RetriableError);
    expect(componentOf(down)).toBe('redis');
    const refused = new ComponentRequestError('schema-registry', 'r', 409, 'incompatible');
    expect(refused).not.toBeInstanceOf(RetriableError);
    expect(componentOf(refused)).toBe('schema-registry');
    expect(componentOf(new RetriableError('kafka', new Error('x')))).toBeUndefined();
  });

  it('PoisonRecordError: its errorType is its class name unless given', () => {
    expect(new PoisonRecordError('bad row')).toMatchObject({ message: 'bad row', errorType: 'PoisonRecordError', retriable: false });
    expect(new PoisonRecordError('bad row', { errorType: 'MalformedRowError' }).errorType).toBe('MalformedRowError');
    expect(isRetriable(new PoisonRecordError('bad row'))).toBe(false);
  });
});
