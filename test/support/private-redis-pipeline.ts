// A fault test's pipeline whose Redis is a private redis-server (./private-redis.ts), never the
// shared stack's: the rest is the real pipeline of ./pipeline-env.ts (own database, connector,
// prefixed topics on the shared broker). A Redis test may shut its server down, flush it or
// restart it empty without touching anyone else's state.
import pg from 'pg';
import { expect } from 'vitest';
import { createAdmin, type Admin } from '../../clients/kafka.js';
import type { RunningPipeline } from '../../processors/pipeline.js';
import type { ProcessorName } from '../../topology/topology.js';
import { Cleanup } from './cleanup.js';
import { PipelineEnv } from './pipeline-env.js';
import type { PrivateRedis } from './private-redis.js';
import { TestLog } from './test-log.js';

const PROCESSORS: ProcessorName[] = ['contract-ingest', 'market-ingest', 'impact', 'calculator', 'sink'];

/** What a Redis fault test works with; each part is set once it exists, so stop() removes what a failed start() made. */
export class RedisFaultPipeline {
  env!: PipelineEnv;
  /** The result tables' database. */
  pool!: pg.Pool;
  admin!: Admin;
  pipeline!: RunningPipeline;
  log!: TestLog;

  /** `name` names the environment, `logName` the processors' log file. */
  constructor(
    readonly redis: PrivateRedis,
    private readonly name: string,
    private readonly logName: string,
  ) {}

  /** Starts the private Redis, an environment whose processors use it, and the processors. */
  async start(): Promise<void> {
    await this.redis.start();
    // PipelineEnv reads its configuration from the environment: these processors use the private Redis.
    const sharedRedisUrl = process.env.REDIS_URL;
    process.env.REDIS_URL = this.redis.url;
    try {
      this.env = new PipelineEnv(this.name);
    } finally {
      process.env.REDIS_URL = sharedRedisUrl;
    }
    expect(this.env.config.redisUrl).toBe(this.redis.url);
    this.log = new TestLog(`${this.logName}-${this.env.run}`);
    await this.env.setUp();
    this.pool = new pg.Pool({ connectionString: this.env.config.database.url, max: 2 });
    this.admin = await createAdmin(this.env.config);
    this.pipeline = await this.env.startProcessors({ processors: PROCESSORS, log: this.log.log });
  }

  /** Removes what start() made, each step attempted even when an earlier one failed. */
  async stop(): Promise<void> {
    const cleanup = new Cleanup();
    const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
    await attempt('admin', async () => this.admin?.disconnect());
    await attempt('database pool', async () => this.pool?.end());
    await attempt('pipeline env', async () => this.env?.tearDown());
    await attempt('private redis', () => this.redis.remove());
    cleanup.done();
  }
}
