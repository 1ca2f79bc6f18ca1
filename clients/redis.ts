// Redis client factory. Redis is a rebuildable cache (docs/architecture.md "Redis state"): commands fail fast
// while it is down (no offline queue) so that the runner's retry with backoff takes over.
import { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { ServiceUnavailableError, TLS_CERTIFICATE_CODES, TransportSecurityError, redactUrl, unreachable } from './errors.js';
import { redisTlsOptions, type RedisSettings } from './redis-tls.js';

export type { Redis };

type RedisConfig = RedisSettings & Partial<Pick<Config, 'clients'>>;

export function createRedis(config: RedisConfig, options: { name?: string; keyPrefix?: string } = {}): Redis {
  return new Redis(config.redisUrl, {
    tls: redisTlsOptions(config),
    connectionName: options.name ?? 'cashflow',
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    // a server that does not answer (a black-holed address) fails within the connect deadline
    connectTimeout: config.clients?.connectTimeoutMs ?? 10_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
  });
}

/** A connected client, or ServiceUnavailableError('redis', …) naming the cause and the next step. */
export async function connectRedis(
  config: RedisConfig,
  options: { name?: string; keyPrefix?: string } = {},
): Promise<Redis> {
  const redis = createRedis(config, options);
  // reported through failing commands instead; the last one kept: the socket's error says why
  // (a refused TLS handshake reaches connect() only as "Connection is closed.")
  let lastError: NodeJS.ErrnoException | undefined;
  redis.on('error', (e: NodeJS.ErrnoException) => (lastError = e));
  try {
    // the first failure ends the attempt (connect() alone waits through the retry strategy)
    await new Promise<void>((resolve, reject) => {
      redis.once('error', reject);
      redis.connect().then(resolve, reject);
    });
  } catch (e) {
    redis.disconnect();
    const tls = [e as NodeJS.ErrnoException, lastError].find((x) => TLS_CERTIFICATE_CODES.has(x?.code ?? ''));
    if (tls)
      throw new TransportSecurityError(
        'redis',
        redactUrl(config.redisUrl),
        'tls',
        `the server's certificate is not trusted (${tls.code}: ${tls.message}): REDIS_TLS_CA_FILE must hold the CA of its certificate, and the host in REDIS_URL must be a name in it`,
        { cause: tls },
      );
    throw unreachable('redis', redactUrl(config.redisUrl), lastError ?? e);
  }
  return redis;
}

/** A failed Redis command as the typed error (the state store's commands: it has no URL at hand). */
export function redisUnavailable(e: unknown, target = 'state store'): ServiceUnavailableError {
  if (e instanceof ServiceUnavailableError) return e;
  return unreachable('redis', target, e);
}
