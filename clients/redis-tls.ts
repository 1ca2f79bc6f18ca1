// TLS of the Redis connection, apart from the client library: the stack's health probe speaks
// RESP over its own socket and must not load ioredis.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Config } from '../config/config.js';

export type RedisSettings = Pick<Config, 'redisUrl' | 'redisCaFile'>;

/**
 * TLS of a `rediss://` URL: the server's certificate checked against REDIS_TLS_CA_FILE (a
 * private CA) or the system's CAs; nothing for `redis://`.
 */
export function redisTlsOptions(config: RedisSettings): ConnectionOptions | undefined {
  if (new URL(config.redisUrl).protocol !== 'rediss:') return undefined;
  return config.redisCaFile ? { ca: readFileSync(config.redisCaFile) } : {};
}
