// What every request of the API goes through before and after its route (docs/api.md): its
// JSON body parsed under api/body-json.ts's rules, a job staged for it deleted unless committed,
// its span (tracing/pipeline-spans.ts), its admission (rate limits, then the API key:
// api/rate-limits.ts, api/auth.ts) and its duration. Added to the root instance, before the
// route plugins, so that every route has them in this order.
import { context, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { activeTracer } from '../tracing/tracer.js';
import { spanContextOfHeaders } from '../tracing/kafka-headers.js';
import { endRequestSpan, startRequestSpan } from '../tracing/pipeline-spans.js';
import type { Authenticator } from './auth.js';
import { parseJsonBody } from './body-json.js';
import type { Cases } from './compute.js';
import type { ApiMetrics } from './metrics.js';
import type { RateLimiter, RateRefusal } from './rate-limits.js';
import type { StagedJob } from '../jobs/staged-job.js';

declare module 'fastify' {
  interface FastifyRequest {
    client: string;
    /** The JSON text of the body, as received. */
    rawJson: string | undefined;
    /** A job staged while its body streamed in (POST /v1/jobs, jobs/staged-job.ts). */
    stagedJob: StagedJob | undefined;
  }
  interface FastifyContextConfig {
    public?: boolean;
    /** /healthz, /readyz, /metrics: no key and no rate limit (api/rate-limits.ts says why). */
    operations?: boolean;
  }
}

/** The body of a job that was cut, validated and staged while it streamed in (not parsed again). */
export const STREAMED_BODY = Object.freeze({}) as Cases;

export interface HookOptions {
  metrics: ApiMetrics;
  auth: Authenticator;
  limiter: RateLimiter;
}

/** Adds the body parser and the request hooks to the root instance. */
export function addHooks(app: FastifyInstance, options: HookOptions): void {
  app.decorateRequest('client', '');
  addBodyParser(app);
  addTracing(app);
  addAdmission(app, options);
  addTiming(app, options.metrics);
}

/**
 * JSON bodies parsed with a bounded depth and __proto__ and constructor keys refused
 * (api/body-json.ts), their text kept beside: a job's chunks are cut from it rather than
 * serialized again (jobs/submit.ts).
 */
function addBodyParser(app: FastifyInstance): void {
  app.decorateRequest('rawJson', undefined);
  app.decorateRequest('stagedJob', undefined);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    // a job body already cut and validated whole while it streamed in is not parsed again
    if (req.stagedJob?.complete) return done(null, STREAMED_BODY);
    const parse = () => {
      const text = (body as Buffer).toString('utf8');
      req.rawJson = text;
      let parsed: unknown;
      try {
        parsed = parseJsonBody(text, body as Buffer);
      } catch (e) {
        return done(e as Error, undefined);
      }
      done(null, parsed);
    };
    // whatever was staged is gone before the whole-body path answers (a 400 leaves nothing behind)
    if (req.stagedJob) void req.stagedJob.abort().then(parse, parse);
    else parse();
  });
  // a staged job not committed by its response (refused, failed, client gone) is deleted
  const dropStaged = async (req: FastifyRequest) => {
    await req.stagedJob?.abort().catch((e) => req.log.warn(e, 'staged job not deleted (it expires)'));
  };
  app.addHook('onResponse', dropStaged);
  app.addHook('onRequestAbort', dropStaged);
}

function addTracing(app: FastifyInstance): void {
  const tracer = activeTracer();
  if (!tracer) return;
  // a callback hook that calls done() inside the span's context: the later hooks, the
  // handler and what it produces (a job's chunks carry its traceparent) run in the request's trace
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (req, _reply, done) => {
    const span = startRequestSpan(tracer, req.method, req.url.split('?')[0]!, spanContextOfHeaders(req.headers as Record<string, string>));
    spans.set(req, span);
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', async (req, reply) => {
    const span = spans.get(req);
    if (span) endRequestSpan(span, req.method, req.routeOptions.url, reply.statusCode);
  });
}

/** Rate limits, then the API key: 429 or 401 before the route, `req.client` set for it. */
function addAdmission(app: FastifyInstance, { metrics, auth, limiter }: HookOptions): void {
  const tooMany = (reply: FastifyReply, refused: RateRefusal) => {
    metrics.rejected.inc({ reason: 'rate limited' });
    return reply.code(429).header('retry-after', String(refused.retryAfterSeconds)).send({ error: refused.message });
  };
  app.addHook('onRequest', async (req, reply) => {
    (req as FastifyRequest & { startedAt: number }).startedAt = performance.now();
    if (req.routeOptions.config?.operations) return;
    const crowded = await limiter.admitAddress(req);
    if (crowded) return tooMany(reply, crowded);
    if (req.routeOptions.config?.public || req.url === '/docs' || req.url.startsWith('/docs/')) return;
    // an address past its requests without a valid key gets no key compared (api/rate-limits.ts)
    const locked = await limiter.keyChecksRefused(req);
    if (locked) return tooMany(reply, locked);
    const client = auth.clientOf(req.headers);
    if (!client) {
      await limiter.countAuthFailure(req);
      metrics.rejected.inc({ reason: 'unauthorized' });
      reply.header('www-authenticate', 'Bearer realm="cashflow"');
      return reply.code(401).send({
        error: auth.configured
          ? 'missing or unknown API key: send it as x-api-key or Authorization: Bearer'
          : 'no API keys are configured (CASHFLOW_API_KEYS or CASHFLOW_API_KEYS_FILE)',
      });
    }
    const over = await limiter.admitKey(req, client);
    if (over) return tooMany(reply, over);
    req.client = client;
  });
}

/** cashflow_api_request_seconds of every request, timed from the admission hook. */
function addTiming(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    const started = (req as FastifyRequest & { startedAt?: number }).startedAt;
    if (started === undefined) return;
    metrics.requestSeconds.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      (performance.now() - started) / 1000,
    );
  });
}
