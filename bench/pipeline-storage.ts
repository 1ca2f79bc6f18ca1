// The storage step of `cashflow bench pipeline` (bench/pipeline.ts): the run's database size and
// the Redis memory its state takes (INFO used_memory now against the figure at the start of the
// run: the Redis is shared, so other environments' growth meanwhile would count too; the bench
// runs alone).
import { connectRedis } from '../clients/redis.js';
import type { PipelineBenchEnv } from './pipeline-env.js';

export interface StorageFigures {
  databaseMb: number;
  /** Redis used_memory grown since the start of the run (MB). */
  redisMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;

/** Redis used_memory in bytes (the whole server). */
export async function redisUsedMemory(env: PipelineBenchEnv): Promise<number> {
  const redis = await connectRedis(env.config, { name: 'cashflow-bench' });
  try {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
  } finally {
    redis.disconnect();
  }
}

export async function storageFigures(env: PipelineBenchEnv, redisAtStart: number): Promise<StorageFigures> {
  const [row] = await env.sql.q('SELECT pg_database_size(current_database()) AS bytes', []);
  return { databaseMb: mb(Number(row.bytes)), redisMb: mb((await redisUsedMemory(env)) - redisAtStart) };
}
