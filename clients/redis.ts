// Redis client factory. Redis is a rebuildable cache (BRIEF "Redis"): commands fail fast
// while it is down (no offline queue) so that the runner's retry with backoff takes over.
import { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { ServiceUnavailableError, redactUrl } from './errors.js';

export type { Redis };

export function createRedis(
  config: Pick<Config, 'redisUrl'>,
  options: { name?: string; keyPrefix?: string } = {},
): Redis {
  return new Redis(config.redisUrl, {
    connectionName: options.name ?? 'cashflow',
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
  });
}

/** A connected client, or ServiceUnavailableError('redis', …). */
export async function connectRedis(
  config: Pick<Config, 'redisUrl'>,
  options: { name?: string; keyPrefix?: string } = {},
): Promise<Redis> {
  const redis = createRedis(config, options);
  redis.on('error', () => {}); // reported through failing commands instead
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new ServiceUnavailableError(
      'redis',
      redactUrl(config.redisUrl),
      `${(e as Error).message} (is Redis running? REDIS_URL)`,
      { cause: e },
    );
  }
  return redis;
}
