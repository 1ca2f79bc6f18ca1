import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError, isRetriable } from './errors.js';
import { requestJson } from './http.js';
import { connectRedis } from './redis.js';
import { redisTlsOptions } from './redis-tls.js';

describe('Redis client factory', () => {
  it('reports an unreachable Redis as a retriable ServiceUnavailableError naming redis', async () => {
    const e = await connectRedis({ redisUrl: 'redis://127.0.0.1:1' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceUnavailableError);
    expect(e).toMatchObject({ component: 'redis', retriable: true });
    expect(isRetriable(e)).toBe(true);
  });

  it.skipIf(process.env.CASHFLOW_SKIP_REDIS === '1')(
    'connects to the configured Redis with a key prefix',
    async () => {
      const redis = await connectRedis(
        { redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
        { keyPrefix: `t${Date.now()}:` },
      );
      try {
        expect(await redis.ping()).toBe('PONG');
      } finally {
        redis.disconnect();
      }
    },
  );
});

describe('Redis TLS options', () => {
  it('speak TLS for rediss:// only, trusting REDIS_TLS_CA_FILE when given (else the system CAs)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const ca = `${mkdtempSync('/tmp/cashflow-redis-tls-test-')}/ca.pem`;
    writeFileSync(ca, 'PEM');
    expect(redisTlsOptions({ redisUrl: 'redis://127.0.0.1:6379', redisCaFile: ca })).toBeUndefined();
    expect(redisTlsOptions({ redisUrl: 'rediss://127.0.0.1:6380' })).toEqual({});
    expect(String(redisTlsOptions({ redisUrl: 'rediss://127.0.0.1:6380', redisCaFile: ca })?.ca)).toBe('PEM');
  });
});

describe('JSON over HTTP', () => {
  it('reports a refused connection as retriable, naming the component and the hint', async () => {
    const { createServer } = await import('node:net');
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r)); // now nothing listens there
    const e = await requestJson('connect', 'GET', `http://user:secret@127.0.0.1:${port}/connectors`).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ServiceUnavailableError);
    expect((e as Error).message).toMatch(
      /^connect \(http:\/\/user:\*\*\*@127\.0\.0\.1:\d+\/connectors\): unavailable: connection refused .*cashflow stack status.*KAFKA_CONNECT_URL/,
    );
    expect((e as Error).message).not.toContain('secret');
  });
});
