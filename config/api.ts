// The HTTP API's settings (API_*, CASHFLOW_API_KEYS; docs/api.md): where `cashflow serve`
// listens, its limits, its jobs, its rate limits and its callbacks.
import { lazyFields } from './lazy.js';
import { int, networks, secret, text, type FieldOf, type IpNetwork } from './variables.js';

export interface ApiConfig {
  port: number;
  /** API_HOST: interface `cashflow serve` listens on. */
  host: string;
  keys: string[];
  syncMaxContracts: number;
  /** Largest request body (bytes): over it, 413. */
  bodyLimitBytes: number;
  /** Most contracts (cases) in one request, sync or job: over it, 413. */
  maxContractsPerRequest: number;
  /** Jobs one client (API key) may have running at once: over it, 429. */
  maxConcurrentJobsPerClient: number;
  /** Seconds a cached result lives (0 = no results cache). */
  cacheTtlSeconds: number;
  /** Contracts per job chunk on the jobs topic. */
  jobChunkSize: number;
  /** Seconds a job's status and results are kept in Redis. */
  jobTtlSeconds: number;
  /** API_JOB_CHUNK_MAX_EVENTS: events one job chunk's results may hold (cases past it get an error). */
  jobChunkMaxEvents: number;
  /** Most events computed for one synchronous request: over it, 422 (api/sync-compute.ts). */
  syncMaxEvents: number;
  /** Most milliseconds computing one synchronous request: over it, 422. */
  syncTimeoutMs: number;
  /** Heap (MB) of each worker thread computing synchronous requests: exhausted, 422. */
  syncHeapMb: number;
  /** Worker threads computing synchronous requests (0: on the main thread, heap not bounded). */
  syncWorkers: number;
  /** Requests allowed per window (api/rate-limits.ts); 0 turns a limit off. */
  rateLimit: RateLimitConfig;
  /** Where job callbacks may go and how they are signed (api/callback-address.ts, api/callback-delivery.ts). */
  callbacks: CallbackConfig;
}

export interface RateLimitConfig {
  /** API_RATE_LIMIT_WINDOW_SECONDS: the window every limit below counts in. */
  windowSeconds: number;
  /** API_RATE_LIMIT_PER_KEY: requests per window with one API key. */
  perKey: number;
  /** API_RATE_LIMIT_PER_ADDRESS: requests per window from one client address, whatever their key. */
  perAddress: number;
  /** API_RATE_LIMIT_AUTH_FAILURES: requests without a valid key per window from one address; past it, every request from there that needs a key gets 429. */
  authFailuresPerAddress: number;
}

export interface CallbackConfig {
  /** API_CALLBACK_ALLOWED_NETWORKS: networks callbacks may reach although loopback, private or link-local. */
  allowedNetworks: IpNetwork[];
  /** API_CALLBACK_SECRET (or _FILE): the key callbacks are signed with (HMAC-SHA256); none: no callbacks. */
  secret?: string;
}

export function apiFields(field: FieldOf): ApiConfig {
  return lazyFields<ApiConfig>({
    port: field((v) => int(v, 'API_PORT', 8090, 1, 65535)),
    host: field((v) => text(v, 'API_HOST', '127.0.0.1')!),
    keys: field((v) =>
      (secret(v, 'CASHFLOW_API_KEYS') ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0),
    ),
    syncMaxContracts: field((v) => int(v, 'API_SYNC_MAX_CONTRACTS', 1000)),
    bodyLimitBytes: field((v) => int(v, 'API_BODY_LIMIT_BYTES', 256 * 1024 * 1024)),
    maxContractsPerRequest: field((v) => int(v, 'API_MAX_CONTRACTS_PER_REQUEST', 500_000)),
    maxConcurrentJobsPerClient: field((v) => int(v, 'API_MAX_CONCURRENT_JOBS', 4)),
    cacheTtlSeconds: field((v) => int(v, 'API_CACHE_TTL_SECONDS', 3600, 0)),
    jobChunkSize: field((v) => int(v, 'API_JOB_CHUNK_SIZE', 1000, 1, 100_000)),
    jobTtlSeconds: field((v) => int(v, 'API_JOB_TTL_SECONDS', 24 * 3600)),
    jobChunkMaxEvents: field((v) => int(v, 'API_JOB_CHUNK_MAX_EVENTS', 2_000_000)),
    syncMaxEvents: field((v) => int(v, 'API_SYNC_MAX_EVENTS', 500_000)),
    syncTimeoutMs: field((v) => int(v, 'API_SYNC_TIMEOUT_MS', 10_000, 10)),
    syncHeapMb: field((v) => int(v, 'API_SYNC_HEAP_MB', 256, 32, 65536)),
    syncWorkers: field((v) => int(v, 'API_SYNC_WORKERS', 2, 0, 64)),
    rateLimit: field((v) => ({
      windowSeconds: int(v, 'API_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
      perKey: int(v, 'API_RATE_LIMIT_PER_KEY', 6000, 0),
      perAddress: int(v, 'API_RATE_LIMIT_PER_ADDRESS', 12000, 0),
      authFailuresPerAddress: int(v, 'API_RATE_LIMIT_AUTH_FAILURES', 30, 0),
    })),
    callbacks: field((v) => ({
      allowedNetworks: networks(v, 'API_CALLBACK_ALLOWED_NETWORKS'),
      secret: secret(v, 'API_CALLBACK_SECRET'),
    })),
  });
}
