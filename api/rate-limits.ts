// The API's rate limits, counted by @fastify/rate-limit in the process's memory (each API
// process counts its own), each over API_RATE_LIMIT_WINDOW_SECONDS:
// - per client address (API_RATE_LIMIT_PER_ADDRESS): every request but the operations
//   endpoints, before its key is looked at;
// - requests without a valid key per address (API_RATE_LIMIT_AUTH_FAILURES): once an address
//   has used them up, every request from it that needs a key gets 429 before any key is
//   compared, so that a right key cannot be told from a wrong one by the answer while the
//   address is refused (500 wrong keys were answered in 0.4 s);
// - per API key (API_RATE_LIMIT_PER_KEY): every request with a valid key.
// 0 turns a limit off. Each counter keeps the 5,000 addresses or keys seen last (the plugin's
// LRU). The client address is the socket's (IPv6 counted per /64, as the plugin
// does): behind a reverse proxy every client shares the proxy's address.
// /healthz, /readyz and /metrics are not limited: an orchestrator that meets 429 on a probe
// restarts or unroutes a healthy process, so a limit there would turn a flood of the API into an
// outage; they cost little (/healthz and /metrics answer from memory, /readyz probes the
// dependencies only for a valid key, whose checks the failures counter guards).
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimitConfig } from '../config/config.js';

/** A request refused by a limit: 429, with Retry-After. */
export interface RateRefusal {
  retryAfterSeconds: number;
  message: string;
}

export interface RateLimiter {
  /** Counts a request against its address's limit; a refusal when the address is over it. */
  admitAddress(req: FastifyRequest): Promise<RateRefusal | undefined>;
  /** A refusal when the address has used up its requests without a valid key (counts nothing). */
  keyChecksRefused(req: FastifyRequest): Promise<RateRefusal | undefined>;
  /** Counts a request that presented no valid key. */
  countAuthFailure(req: FastifyRequest): Promise<void>;
  /** Counts a request against its key's limit (`client`: the key's client id). */
  admitKey(req: FastifyRequest, client: string): Promise<RateRefusal | undefined>;
}

type Counter = ReturnType<FastifyInstance['createRateLimit']>;

/** Registers the plugin (no route limited by itself) and returns the API's three counters. */
export async function createRateLimiter(app: FastifyInstance, limits: RateLimitConfig): Promise<RateLimiter> {
  await app.register(rateLimit, { global: false });
  const timeWindow = limits.windowSeconds * 1000;
  const counter = (max: number, keyGenerator?: (req: FastifyRequest) => string): Counter | undefined =>
    max > 0
      ? // without a keyGenerator, the plugin's own: the client address, IPv6 per /64
        app.createRateLimit({ max, timeWindow, ...(keyGenerator ? { keyGenerator } : {}) })
      : undefined;
  const perAddress = counter(limits.perAddress);
  const failures = counter(limits.authFailuresPerAddress);
  const clients = new WeakMap<FastifyRequest, string>();
  const perKey = counter(limits.perKey, (req) => clients.get(req) ?? '');

  const window = `${limits.windowSeconds} s`;
  const refusal = (ttlSeconds: number, message: (retry: number) => string): RateRefusal => {
    const retryAfterSeconds = Math.max(1, ttlSeconds);
    return { retryAfterSeconds, message: message(retryAfterSeconds) };
  };

  return {
    async admitAddress(req) {
      if (!perAddress) return undefined;
      const r = await perAddress(req);
      if (r.isAllowed || !r.isExceeded) return undefined;
      return refusal(
        r.ttlInSeconds,
        (s) =>
          `too many requests from this address: over ${r.max} in ${window} (API_RATE_LIMIT_PER_ADDRESS); retry after ${s} s`,
      );
    },
    async keyChecksRefused(req) {
      if (!failures) return undefined;
      const r = await failures(req, { increment: false });
      if (r.isAllowed || r.remaining > 0) return undefined;
      return refusal(
        r.ttlInSeconds,
        (s) =>
          `too many requests without a valid API key from this address: ${r.max} in ${window} (API_RATE_LIMIT_AUTH_FAILURES); no key is checked from it for ${s} s`,
      );
    },
    async countAuthFailure(req) {
      if (failures) await failures(req);
    },
    async admitKey(req, client) {
      if (!perKey) return undefined;
      clients.set(req, client);
      const r = await perKey(req);
      if (r.isAllowed || !r.isExceeded) return undefined;
      return refusal(
        r.ttlInSeconds,
        (s) =>
          `too many requests with this API key: over ${r.max} in ${window} (API_RATE_LIMIT_PER_KEY); retry after ${s} s`,
      );
    },
  };
}
