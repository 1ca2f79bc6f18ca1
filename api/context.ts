// What the API's routes share (api/routes/*): its dependencies, reached lazily so that the API
// starts with the engine alone (docs/interfaces.md) and tests inject fakes, and the views of
// Redis made once per client.
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { DependencyState } from '../dependencies/meet.js';
import type { StateReader } from '../state/model.js';
import { RedisStateStore } from '../state/redis-store.js';
import type { Topology } from '../topology/topology.js';
import { HttpError } from './errors.js';
import { JobStore } from '../jobs/job-store.js';
import type { KafkaSide } from '../jobs/submit.js';
import type { ApiMetrics } from './metrics.js';

export interface ApiDependencies {
  config: Config;
  topology: Topology;
  metrics: ApiMetrics;
  /** The connected Redis client (the pipeline's key prefix), or undefined while unreachable. */
  redis(): Redis | undefined;
  /** The read-only database (DATABASE_READ_URL), connected on first use. */
  readDatabase(): Promise<Database>;
  /** Producer and Avro codec, connected on the first job. */
  kafka(): Promise<KafkaSide>;
  /** Each dependency's state, for /readyz. */
  readiness(): Promise<Record<string, DependencyState>>;
  now?: () => number;
  logger?: boolean;
  /** Overrides the Redis job store (tests). */
  jobStore?: () => JobStore | undefined;
  /** How often SSE progress polls Redis (ms). */
  progressPollMs?: number;
}

/** One app's shared state: built once by buildApi (api/server.ts), handed to each route plugin. */
export class ApiContext {
  readonly limits: Config['api'];
  readonly metrics: ApiMetrics;
  readonly topology: Topology;
  readonly now: () => number;
  /** Set when the server starts closing: open SSE streams end, /readyz answers 503. */
  closing = false;
  // one store and job store per Redis client (the client object outlives reconnects)
  private views: { redis: Redis; state: StateReader; jobs: JobStore } | undefined;

  constructor(readonly deps: ApiDependencies) {
    this.limits = deps.config.api;
    this.metrics = deps.metrics;
    this.topology = deps.topology;
    this.now = deps.now ?? Date.now;
  }

  private redisViews() {
    const redis = this.deps.redis();
    if (!redis) return undefined;
    if (this.views?.redis !== redis)
      this.views = {
        redis,
        // checks the pipeline's state marker: no answer from a store that lost its data (503)
        state: new RedisStateStore(redis, { checkReady: true }),
        jobs: new JobStore(redis, this.limits.jobTtlSeconds),
      };
    return this.views;
  }

  /** The pipeline's state in Redis, or undefined while Redis is unreachable. */
  state(): StateReader | undefined {
    return this.redisViews()?.state;
  }

  /** The job store; HttpError 503 while Redis is unreachable. */
  jobStore(): JobStore {
    const v = this.deps.jobStore ? { jobs: this.deps.jobStore() } : this.redisViews();
    if (!v?.jobs) throw new HttpError(503, 'jobs need Redis, which is unreachable (REDIS_URL): try again shortly');
    return v.jobs;
  }
}
