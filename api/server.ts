// The HTTP API (docs/api.md) as a Fastify instance: routes, validation, auth, limits, OpenAPI.
// Everything outside the engine (Redis, Kafka, the read database) is reached through
// ApiDependencies, created lazily, so the API starts with the engine alone (docs/interfaces.md) and
// tests inject fakes.
import { context, trace, type Span } from '@opentelemetry/api';
import { activeTracer } from '../tracing/tracer.js';
import { spanContextOfHeaders } from '../tracing/kafka-headers.js';
import { endRequestSpan, startRequestSpan } from '../tracing/pipeline-spans.js';
import { Readable } from 'node:stream';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Database, LadderBucket } from '../db/database.js';
import { RedisStateStore } from '../state/redis-store.js';
import { StateLostError } from '../state/readiness.js';

/** Retry-After of a request that needs the pipeline's state while it is being rebuilt. */
const STATE_REBUILD_RETRY_AFTER_SECONDS = 5;
import type { StateReader } from '../state/model.js';
import { asyncApiDocument } from '../topology/asyncapi.js';
import type { Topology } from '../topology/topology.js';
import { createAuthenticator, presentedKey } from './auth.js';
import { createRateLimiter, type RateRefusal } from './rate-limits.js';
import { CallbackAddresses } from './callback-address.js';
import { ResultsCache } from './cache.js';
import { BodyJsonError, parseJsonBody } from './body-json.js';
import { quickCheckCases } from './chunk-check.js';
import { cacheable, caseCacheKeys, completeFromStore, type Cases } from './compute.js';
import { AnswerPieces } from './answer-pieces.js';
import { ComputePool, SyncLimitError } from './compute-pool.js';
import { csvHeader, csvRows } from './csv.js';
import { JobStore, progressOf, type JobRecord } from './job-store.js';
import { writeResultsCsv, writeResultsJson } from './packed-results.js';
import { JsonBytes } from '../engine/json-bytes.js';
import { boundedText } from '../engine/errors.js';
import { failureSummary, isRetriable } from '../clients/errors.js';
import { packageVersion } from '../clients/repo-file.js';
import { CaseTooLargeError, submitJob, TooManyJobsError, type KafkaSide, type Submitted } from './jobs.js';
import { StagedJob } from './staged-jobs.js';
import type { ApiMetrics } from './metrics.js';
import * as S from './schemas.js';

import type { DependencyState } from '../clients/meet.js';
import { stderrLogger } from '../clients/log.js';

export type { DependencyState };

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

declare module 'fastify' {
  interface FastifyRequest {
    client: string;
    /** The JSON text of the body, as received. */
    rawJson: string | undefined;
    /** A job staged while its body streamed in (POST /v1/jobs, api/staged-jobs.ts). */
    stagedJob: StagedJob | undefined;
  }
  interface FastifyContextConfig {
    public?: boolean;
    /** /healthz, /readyz, /metrics: no key and no rate limit (api/rate-limits.ts says why). */
    operations?: boolean;
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    options?: { cause?: unknown; issues?: Issue[] },
  ) {
    super(message, options);
    this.issues = options?.issues;
  }
  readonly issues?: Issue[];
}

interface Issue {
  in: string;
  field: string;
  message: string;
}

/** Every ajv error of a failed validation as {in, field, message}, one per field and message. */
export function validationIssues(err: FastifyError): Issue[] {
  const where = (err as FastifyError & { validationContext?: string }).validationContext ?? 'body';
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const v of err.validation ?? []) {
    const params = v.params as Record<string, unknown>;
    let field = v.instancePath || '';
    if (v.keyword === 'required' && typeof params.missingProperty === 'string')
      field += `/${params.missingProperty}`;
    if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string')
      field += `/${params.additionalProperty}`;
    const message = v.message ?? v.keyword;
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // a field names body keys (case ids): quoted by a bounded prefix like every value in a message
    out.push({ in: where, field: boundedText(field || '/', 200), message });
  }
  return out;
}

const PUBLIC = { public: true } as const;
const OPERATIONS = { public: true, operations: true } as const;

/** Results larger than this (about 800 events) are not kept in the results cache. */
const CACHE_MAX_RESULT_BYTES = 128 * 1024;

/** The body of a job that was cut, validated and staged while it streamed in (not parsed again). */
const STREAMED_BODY = Object.freeze({}) as Cases;

export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const { config, metrics, topology } = deps;
  const now = deps.now ?? Date.now;
  const limits = config.api;
  const app = Fastify({
    // request lines through the process's one logger (clients/log.ts), on stderr
    // (a pino Logger is a FastifyBaseLogger; only the instance's type parameter would differ)
    ...(deps.logger ? { loggerInstance: stderrLogger(config.clients.logLevel ?? 'info', config.clients.logFormat) as FastifyBaseLogger } : { logger: false }),
    bodyLimit: limits.bodyLimitBytes,
    ajv: { customOptions: { allErrors: true, coerceTypes: false } },
    // ids of jobs and contracts never need more; keeps the router strict
    routerOptions: { maxParamLength: 200 },
  });
  const auth = createAuthenticator(limits.keys);
  const limiter = await createRateLimiter(app, limits.rateLimit);

  // one store, cache and job store per Redis client (the client object outlives reconnects)
  let redisViews: { redis: Redis; state: StateReader; jobs: JobStore } | undefined;
  const views = () => {
    const redis = deps.redis();
    if (!redis) return undefined;
    if (redisViews?.redis !== redis)
      redisViews = {
        redis,
        // checks the pipeline's state marker: no answer from a store that lost its data (503)
        state: new RedisStateStore(redis, { checkReady: true }),
        jobs: new JobStore(redis, limits.jobTtlSeconds),
      };
    return redisViews;
  };
  const cache = new ResultsCache(() => deps.redis(), limits.cacheTtlSeconds, metrics);
  const jobStore = () => {
    const v = deps.jobStore ? { jobs: deps.jobStore() } : views();
    if (!v?.jobs)
      throw new HttpError(503, 'jobs need Redis, which is unreachable (REDIS_URL): try again shortly');
    return v.jobs;
  };

  await app.register((await import('@fastify/swagger')).default, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'cashflow API',
        version: '1.0.0',
        description:
          "ACTUS cash flows on demand (test bed shaped requests, answered exactly like `cashflow actus`), batch jobs on the pipeline's consumer groups, and the stored results of the pipeline.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
  });
  await app.register((await import('@fastify/swagger-ui')).default, { routePrefix: '/docs' });

  // open SSE streams end when the server closes (graceful shutdown does not wait for jobs)
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.decorateRequest('client', '');
  // JSON bodies parsed with a bounded depth and __proto__ and constructor keys refused
  // (api/body-json.ts), their text kept beside: a job's chunks are cut from it rather than
  // serialized again (api/jobs.ts)
  const parseJson = (text: string, bytes?: Uint8Array): unknown => parseJsonBody(text, bytes);
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
        parsed = parseJson(text, body as Buffer);
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
  const tooMany = (reply: FastifyReply, refused: RateRefusal) => {
    metrics.rejected.inc({ reason: 'rate limited' });
    return reply.code(429).header('retry-after', String(refused.retryAfterSeconds)).send({ error: refused.message });
  };
  const tracer = activeTracer();
  if (tracer) {
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
  app.addHook('onResponse', async (req, reply) => {
    const started = (req as FastifyRequest & { startedAt?: number }).startedAt;
    if (started === undefined) return;
    metrics.requestSeconds.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      (performance.now() - started) / 1000,
    );
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof BodyJsonError) {
      metrics.rejected.inc({ reason: 'invalid' });
      return reply
        .code(400)
        .send({ error: err.message, issues: [{ in: 'body', field: err.field, message: err.message }] });
    }
    if (err.validation) {
      metrics.rejected.inc({ reason: 'invalid' });
      return reply.code(400).send({ error: 'invalid request', issues: validationIssues(err) });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      metrics.rejected.inc({ reason: 'too large' });
      return reply
        .code(413)
        .send({ error: `request body over ${limits.bodyLimitBytes} bytes (API_BODY_LIMIT_BYTES)` });
    }
    if (err instanceof TooManyJobsError) {
      metrics.rejected.inc({ reason: 'too many jobs' });
      return reply.code(429).send({ error: err.message });
    }
    if (err instanceof CaseTooLargeError) return reply.code(413).send({ error: err.message });
    if (err instanceof SyncLimitError) {
      metrics.rejected.inc({ reason: `over the sync ${err.outcome.limit} limit` });
      return reply.code(422).send({ error: err.message });
    }
    if (err instanceof HttpError) {
      // a dependency's own message (its URL, host, user) goes to the log, not into the body
      if (err.cause !== undefined) req.log.warn({ err: err.cause }, err.message);
      return reply.code(err.statusCode).send({ error: err.message, ...(err.issues ? { issues: err.issues } : {}) });
    }
    if (err instanceof StateLostError)
      return reply
        .code(503)
        .header('retry-after', String(STATE_REBUILD_RETRY_AFTER_SECONDS))
        .send({ error: `${err.message}: the market data this request lacks comes from the pipeline's state, which the processors are rebuilding; try again shortly` });
    if (isRetriable(err)) {
      req.log.warn(err);
      return reply.code(503).send({ error: `${failureSummary(err)}: try again shortly` });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const issues =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
        err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
        err.name === 'SyntaxError'
          ? [{ in: 'body', field: '/', message: err.message }]
          : undefined;
      if (err.statusCode === 400) metrics.rejected.inc({ reason: 'invalid' });
      return reply.code(err.statusCode).send({ error: err.message, ...(issues ? { issues } : {}) });
    }
    req.log.error(err);
    return reply.code(500).send({ error: 'internal error' });
  });

  /** 413 when a body has more cases than API_MAX_CONTRACTS_PER_REQUEST (before validating them all). */
  const limitCases = async (req: FastifyRequest) => {
    const body = req.body;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      let n = 0;
      for (const _ in body) n++;
      if (n > limits.maxContractsPerRequest) {
        metrics.rejected.inc({ reason: 'too many contracts' });
        throw new HttpError(
          413,
          `${n} contracts in one request, over the limit of ${limits.maxContractsPerRequest} (API_MAX_CONTRACTS_PER_REQUEST)`,
        );
      }
    }
  };

  // sync requests computed off the main thread, bounded in events, time and heap (api/compute-pool.ts)
  const syncLimits = {
    maxEvents: limits.syncMaxEvents,
    maxMs: limits.syncTimeoutMs,
    heapMb: limits.syncHeapMb,
  };
  const pool = new ComputePool({
    workers: limits.syncWorkers,
    heapMb: limits.syncHeapMb,
    budget: { maxEvents: limits.syncMaxEvents, maxMs: limits.syncTimeoutMs },
  });
  app.addHook('onClose', () => pool.close());

  const answer = async (cases: Cases, reply: FastifyReply): Promise<AnswerPieces> => {
    const v = views();
    const { cases: full, storeUsed, storeError } = await completeFromStore(cases, v?.state);
    const ids = Object.keys(full);
    // no keys computed when there is no cache to ask (API_CACHE_TTL_SECONDS=0, Redis unreachable)
    const hashes = cache.available ? await caseCacheKeys(ids.map((id) => full[id])) : undefined;
    const cached = hashes ? await cache.getMany(hashes) : cache.bypass(ids.length);
    const misses: number[] = [];
    for (let i = 0; i < ids.length; i++) if (cached[i] === undefined) misses.push(i);
    const outcome = misses.length
      ? ComputePool.check(
          await pool.run(misses.map((i) => full[ids[i]])),
          syncLimits,
          misses.map((i) => ids[i]),
        )
      : undefined;
    // `{"<id>":<result>,…}` as `cashflow actus` prints it (api/compute.ts objectBody), in bytes
    const parts = new AnswerPieces();
    const fresh: [string, string][] = [];
    // a Buffer over the bytes (computed on the main thread they come as a plain Uint8Array)
    const bytes =
      outcome && Buffer.from(outcome.bytes.buffer, outcome.bytes.byteOffset, outcome.bytes.byteLength);
    let m = 0;
    for (let i = 0; i < ids.length; i++) {
      parts.push(Buffer.from(`${i ? ',' : '{'}${JSON.stringify(ids[i])}:`));
      const hit = cached[i];
      if (hit !== undefined) {
        parts.push(Buffer.from(hit));
        continue;
      }
      const result = bytes!.subarray(m ? outcome!.ends[m - 1] : 0, outcome!.ends[m]);
      m++;
      parts.push(result);
      // large results are not cached: a request of cached ones would read them all back at once
      if (hashes && result.length <= CACHE_MAX_RESULT_BYTES) {
        const r = result.toString('utf8');
        if (cacheable(r)) fresh.push([hashes[i], r]);
      }
    }
    parts.push(Buffer.from(ids.length ? '}\n' : '{}\n'));
    const computed = misses.length;
    if (computed) metrics.contractsComputed.inc({ mode: 'sync' }, computed);
    await cache.setMany(fresh);
    const hits = ids.length - computed;
    reply.header('x-cache', hits === ids.length ? 'hit' : hits === 0 ? 'miss' : 'partial');
    if (storeUsed) reply.header('x-market-data-from-store', String(storeUsed));
    if (storeError)
      reply.header(
        'x-store-unavailable',
        'market data missing from the body could not be read from the store',
      );
    return parts;
  };

  const accepted = (submitted: Submitted, reply: FastifyReply) => {
    metrics.jobsSubmitted.inc();
    const base = `/v1/jobs/${submitted.jobId}`;
    reply.code(202).header('location', base);
    return {
      jobId: submitted.jobId,
      contracts: submitted.contracts,
      chunks: submitted.chunks,
      statusUrl: base,
      eventsUrl: `${base}/events`,
      resultUrl: `${base}/result`,
    };
  };

  // a job's callbackUrl is judged when the job is submitted, and again when the callback is sent
  // (api/callback-address.ts, api/callback-delivery.ts)
  const callbackAddresses = new CallbackAddresses(limits.callbacks);
  const checkCallback = async (url: string | undefined) => {
    if (url === undefined) return;
    const refusal = limits.callbacks.secret
      ? await callbackAddresses.refusal(url)
      : 'callbackUrl: this deployment sends no callbacks: they are signed with API_CALLBACK_SECRET, which is not set';
    if (refusal) {
      metrics.rejected.inc({ reason: 'callback refused' });
      throw new HttpError(400, refusal, { issues: [{ in: 'querystring', field: '/callbackUrl', message: refusal }] });
    }
  };

  const callbackOfQuery = (req: FastifyRequest<{ Querystring: { callbackUrl?: string } }>) =>
    checkCallback(req.query.callbackUrl);

  /**
   * Stages a job for a body about to stream in (api/staged-jobs.ts), when everything the
   * whole-body path would check before producing can be checked while it streams: otherwise
   * (Redis or Kafka unreachable, a bad query, the client at its job limit, a body over the
   * limit) the body is read and parsed whole, as before, and that path answers.
   */
  const stageJob = async (
    req: FastifyRequest<{ Querystring: { callbackUrl?: string } }>,
    _reply: FastifyReply,
    payload: Readable,
  ) => {
    if (req.mediaType !== 'application/json') return payload;
    if (Number(req.headers['content-length']) > limits.bodyLimitBytes) return payload;
    const validQuery = req.getValidationFunction('querystring');
    const validBody = req.getValidationFunction('body') as
      ((v: unknown) => boolean) | Record<string, (v: unknown) => boolean> | undefined;
    const validCases = typeof validBody === 'function' ? validBody : validBody?.['application/json'];
    if (!validQuery || !validCases || !validQuery(req.query)) return payload;
    // a refused callback is answered before the body is read
    await checkCallback(req.query.callbackUrl);
    let staged: StagedJob | undefined;
    try {
      staged = await StagedJob.start({
        store: jobStore(),
        kafka: await deps.kafka(),
        topology,
        client: req.client,
        callbackUrl: req.query.callbackUrl,
        maxConcurrentJobs: limits.maxConcurrentJobsPerClient,
        chunkSize: limits.jobChunkSize,
        maxCases: limits.maxContractsPerRequest,
        // as the whole body would be (api/body-json.ts)
        parse: (text) => parseJson(text) as object,
        valid: (cases) => validCases(cases),
        // the chunks of the common shape are checked from their bytes, unparsed: casesBodySchema's
        quickCheck: quickCheckCases,
        now,
      });
    } catch {
      return payload; // the whole-body path answers (503 for Redis or Kafka)
    }
    if (!staged) return payload;
    req.stagedJob = staged;
    // a body of known length need not be gathered for the parser once staged whole
    return staged.tap(payload, Number.isFinite(Number(req.headers['content-length'])));
  };

  /** A job staged while its body streamed in, and found valid whole: committed, 202. */
  const commitStaged = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.body !== STREAMED_BODY || !req.stagedJob) return;
    const submitted = await req.stagedJob.commit();
    return reply.send(accepted(submitted, reply));
  };

  const startJob = async (
    req: FastifyRequest<{ Body: Cases; Querystring: { callbackUrl?: string } }>,
    reply: FastifyReply,
  ) => {
    const store = jobStore();
    let kafka: KafkaSide;
    try {
      kafka = await deps.kafka();
    } catch (e) {
      throw new HttpError(503, `jobs need Kafka, which is unreachable (${failureSummary(e, 'kafka')}): try again shortly`, {
        cause: e,
      });
    }
    const submitted = await submitJob(req.body, store, kafka, topology, {
      client: req.client,
      callbackUrl: req.query.callbackUrl,
      maxConcurrentJobs: limits.maxConcurrentJobsPerClient,
      chunkSize: limits.jobChunkSize,
      rawJson: req.rawJson,
      now,
    });
    return accepted(submitted, reply);
  };

  const jobQuery = { querystring: S.jobQuerySchema };
  const errors = {
    400: S.errorSchema,
    401: S.errorSchema,
    413: S.errorSchema,
    429: S.errorSchema,
    503: S.errorSchema,
  };

  app.post<{ Body: Cases; Querystring: { callbackUrl?: string } }>(
    '/v1/cashflows',
    {
      schema: {
        summary: 'cash flows of test bed shaped cases',
        description: `Computed in the request up to API_SYNC_MAX_CONTRACTS (${limits.syncMaxContracts}) cases: the answer is byte for byte what \`cashflow actus\` prints for the same file (market data missing from the body is read from the pipeline's store). Larger requests become a job (202), exactly as if posted to /v1/jobs. The computation is bounded: over API_SYNC_MAX_EVENTS (${limits.syncMaxEvents}) events, API_SYNC_TIMEOUT_MS (${limits.syncTimeoutMs}) ms or API_SYNC_HEAP_MB (${limits.syncHeapMb}) MB of heap the request is answered 422 naming the limit.`,
        tags: ['compute'],
        body: S.casesBodySchema,
        ...jobQuery,
        response: { 200: S.caseResultsSchema, 202: S.jobAcceptedSchema, 422: S.errorSchema, ...errors },
      },
      preValidation: limitCases,
      // after the query's validation
      preHandler: callbackOfQuery,
    },
    async (req, reply) => {
      let n = 0;
      for (const _ in req.body) n++;
      if (n > limits.syncMaxContracts) return startJob(req, reply);
      const body = await answer(req.body, reply);
      // the pieces written in turn as the socket takes them, the results' bytes as the worker
      // handed them over: a 16 MB answer is neither copied into one buffer nor written at once
      return reply
        .type('application/json; charset=utf-8')
        .header('content-length', String(body.length))
        .send(Readable.from(body.pieces(), { objectMode: false }));
    },
  );

  app.post<{ Body: Cases; Querystring: { callbackUrl?: string } }>(
    '/v1/jobs',
    {
      schema: {
        summary: 'start a batch job',
        description:
          'The cases are split into chunks on the jobs topic and computed by the job-worker consumer group; follow it at /v1/jobs/{id} or /v1/jobs/{id}/events and fetch /v1/jobs/{id}/result. With callbackUrl, the completion is POSTed there (with retries).',
        tags: ['jobs'],
        body: S.casesBodySchema,
        ...jobQuery,
        response: { 202: S.jobAcceptedSchema, ...errors },
      },
      // the body is cut into chunks, validated and staged while it streams in (api/staged-jobs.ts)
      preParsing: stageJob,
      preValidation: [limitCases, commitStaged],
      preHandler: callbackOfQuery,
    },
    startJob,
  );

  const ownJob = async (req: FastifyRequest<{ Params: { id: string } }>): Promise<JobRecord> => {
    const job = await jobStore().get(req.params.id);
    // another client's job is as unknown as a missing one, and a staged one as well (api/staged-jobs.ts)
    if (!job || job.client !== req.client || job.status === 'staged')
      throw new HttpError(404, `no job ${req.params.id}`);
    return job;
  };
  const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);
  const statusOf = (job: JobRecord) => ({
    jobId: job.jobId,
    status: job.status,
    chunks: { done: job.chunksDone, total: job.chunks },
    contracts: { done: job.contractsDone, total: job.contractsTotal },
    ...progressOf(job, now()),
    createdAt: iso(job.createdAtMs)!,
    startedAt: iso(job.startedAtMs),
    completedAt: iso(job.completedAtMs),
    error: job.error,
    callback: job.callbackUrl
      ? { url: job.callbackUrl, status: job.callbackStatus ?? 'pending', attempts: job.callbackAttempts }
      : null,
    resultUrl: `/v1/jobs/${job.jobId}/result`,
  });

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'job status and progress',
        tags: ['jobs'],
        params: S.jobIdParams,
        response: { 200: S.jobStatusSchema, 404: S.errorSchema, ...errors },
      },
    },
    async (req) => statusOf(await ownJob(req)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/events',
    {
      schema: {
        summary: 'job progress as Server-Sent Events',
        description:
          'events `progress` (the status object) while the job runs, then one `completed` or `failed`, then the stream ends',
        tags: ['jobs'],
        params: S.jobIdParams,
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const first = await ownJob(req);
      const store = jobStore();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let closed = false;
      req.raw.on('close', () => (closed = true));
      let last = '';
      let job: JobRecord | undefined = first;
      const pollMs = deps.progressPollMs ?? 500;
      while (!closed && !closing) {
        if (job) {
          const data = JSON.stringify(statusOf(job));
          const ended = job.status === 'completed' || job.status === 'failed';
          if (data !== last || ended) {
            res.write(`event: ${ended ? job.status : 'progress'}\ndata: ${data}\n\n`);
            last = data;
          }
          if (ended) break;
        } else {
          res.write(
            `event: failed\ndata: ${JSON.stringify({ jobId: req.params.id, status: 'failed', error: 'the job expired or was removed' })}\n\n`,
          );
          break;
        }
        await new Promise((r) => setTimeout(r, pollMs));
        job = await store.get(req.params.id).catch(() => job);
      }
      res.end();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: 'json' | 'csv' } }>(
    '/v1/jobs/:id/result',
    {
      schema: {
        summary: 'the result of a completed job (streamed)',
        description:
          'JSON: case id → events or {"error"}, as `cashflow actus` prints it. CSV with ?format=csv or Accept: text/csv: one row per event.',
        tags: ['jobs'],
        params: S.jobIdParams,
        querystring: S.resultQuerySchema,
        produces: ['application/json', 'text/csv'],
        response: { 200: S.caseResultsSchema, 404: S.errorSchema, 409: S.errorSchema },
      },
    },
    async (req, reply) => {
      const job = await ownJob(req);
      if (job.status !== 'completed')
        throw new HttpError(
          409,
          `job ${job.jobId} is ${job.status} (${job.chunksDone} of ${job.chunks} chunks done): no result yet`,
        );
      const store = jobStore();
      const csv =
        req.query.format === 'csv' ||
        (req.query.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''));
      const missing = () => new Error(`job ${job.jobId}: a chunk's results are missing (expired?)`);
      // each chunk rendered into bytes of its own (a yielded chunk may still be queued for the socket)
      async function* json() {
        yield '{';
        let first = true;
        for await (const r of store.chunkResults(job.jobId, job.chunks)) {
          if (r === undefined) throw missing();
          if ('text' in r) {
            if (!r.text) continue;
            yield first ? r.text : `,${r.text}`;
            first = false;
          } else {
            if (!r.packed.ids.length) continue;
            const w = new JsonBytes(r.packed.time.length * 180 + r.packed.ids.length * 64 + 16);
            writeResultsJson(w, r.packed, !first);
            first = false;
            yield w.view();
          }
        }
        yield '}\n';
      }
      async function* table() {
        yield csvHeader();
        for await (const r of store.chunkResults(job.jobId, job.chunks)) {
          if (r === undefined) throw missing();
          if ('text' in r) {
            if (r.text) yield csvRows(JSON.parse(`{${r.text}}`));
          } else {
            const w = new JsonBytes(r.packed.time.length * 120 + r.packed.ids.length * 64 + 16);
            writeResultsCsv(w, r.packed);
            yield w.view();
          }
        }
      }
      reply.type(csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      if (csv) reply.header('content-disposition', `attachment; filename="${job.jobId}.csv"`);
      return reply.send(Readable.from(csv ? table() : json()));
    },
  );

  // ---- read side: the pipeline's result tables through the read-only pool
  const db = async () => {
    try {
      return await deps.readDatabase();
    } catch (e) {
      throw new HttpError(
        503,
        `the result database is unreachable (${failureSummary(e, 'database')}): try again shortly`,
        { cause: e },
      );
    }
  };
  app.get<{ Params: { id: string } }>(
    '/v1/contracts/:id/cashflows',
    {
      schema: {
        summary: "a stored contract's current cash flows",
        tags: ['results'],
        params: S.idParams,
        response: {
          200: S.contractCashflowsSchema,
          404: S.errorSchema,
          401: S.errorSchema,
          503: S.errorSchema,
        },
      },
    },
    async (req) => {
      const d = await db();
      const [version, rows] = await Promise.all([
        d.cashflowVersion(req.params.id),
        d.contractCashflows(req.params.id),
      ]);
      if (!version && rows.length === 0) throw new HttpError(404, `no results for contract ${req.params.id}`);
      return {
        contractId: req.params.id,
        version: version?.version ?? null,
        status: version?.status ?? null,
        reason: version?.reason ?? null,
        computedAt: version?.computedAt ?? null,
        cashflows: rows,
      };
    },
  );
  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
    '/v1/portfolios/:id/cashflows',
    {
      schema: {
        summary: "a portfolio's cash flows (contract cash flows × position quantity)",
        tags: ['results'],
        params: S.idParams,
        querystring: S.rangeQuerySchema,
        response: {
          200: S.portfolioCashflowsSchema,
          400: S.errorSchema,
          401: S.errorSchema,
          503: S.errorSchema,
        },
      },
    },
    async (req) => ({
      portfolioId: req.params.id,
      cashflows: await (await db()).portfolioCashflows(req.params.id, req.query),
    }),
  );
  app.post<{ Params: { id: string } }>(
    '/v1/portfolios/:id/recalc',
    {
      schema: {
        summary: 'recompute the contracts held in a portfolio through the pipeline',
        description:
          "The portfolio's contracts, from the membership that positions-ingest keeps of the positions table, are each requested once on the recalc-requests topic (as `cashflow recalc --portfolio`); answered 202 once the requests are acknowledged, 404 for a portfolio without positions. The results land in the result tables (GET /v1/portfolios/{id}/cashflows).",
        tags: ['jobs'],
        params: S.idParams,
        response: { 202: S.portfolioRecalcSchema, 404: S.errorSchema, ...errors },
      },
    },
    async (req, reply) => {
      const v = views();
      if (!v) throw new HttpError(503, 'the portfolio membership is in Redis, which is unreachable (REDIS_URL): try again shortly');
      const ops = await import('../demo/ops.js');
      let ids: string[];
      try {
        ids = await ops.portfolioContracts(v.state, req.params.id);
      } catch (e) {
        if (!(e instanceof StateLostError)) throw e;
        return reply
          .code(503)
          .header('retry-after', String(STATE_REBUILD_RETRY_AFTER_SECONDS))
          .send({ error: `${e.message}: the portfolio membership is in the pipeline's state, which the processors are rebuilding; try again shortly` });
      }
      if (ids.length === 0) throw new HttpError(404, `portfolio ${req.params.id} holds no positions`);
      const kafka = await deps.kafka();
      const topic = topology.topic('recalcRequests').name;
      const createdAt = new Date(now()).toISOString();
      await ops.sendRecalcRequests(kafka.producer, topic, await kafka.codec.encoder('recalcRequests'), ids.map((id) => ops.manualRequest(id)));
      return reply.code(202).send({ portfolioId: req.params.id, status: 'queued', contracts: { done: 0, total: ids.length }, createdAt, topic });
    },
  );
  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; bucket: LadderBucket } }>(
    '/v1/portfolios/:id/ladder',
    {
      schema: {
        summary: "a portfolio's cash flow ladder: payoffs summed per month or quarter and currency",
        tags: ['results'],
        params: S.idParams,
        querystring: S.ladderQuerySchema,
        response: { 200: S.ladderSchema, 400: S.errorSchema, 401: S.errorSchema, 503: S.errorSchema },
      },
    },
    async (req) => {
      const { bucket, from, to } = req.query;
      return {
        portfolioId: req.params.id,
        bucket,
        rows: await (await db()).cashflowLadder(req.params.id, bucket, { from, to }),
      };
    },
  );

  // ---- operations (no key)
  app.get(
    '/healthz',
    {
      config: OPERATIONS,
      schema: { summary: 'liveness: 200 while the process runs', tags: ['operations'], security: [] },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: OPERATIONS,
      schema: {
        summary:
          'readiness: 200 while the engine is loaded (sync requests with their market data in the body need nothing else); with a valid key, each dependency',
        description:
          'Without a key (or with a wrong one) only `{"status"}`. With a valid key also `dependencies`: each one\'s status and, when it is not ok, a short reason that names no URL, user, host or port.',
        tags: ['operations'],
        security: [],
        response: { 200: S.readinessSchema, 503: S.readinessSchema },
      },
    },
    async (req, reply) => {
      const status = closing ? 'not ready' : 'ready';
      reply.code(closing ? 503 : 200);
      // details for a valid key only; a wrong one counts as any request without a valid key
      let client: string | undefined;
      if (presentedKey(req.headers) !== undefined && !(await limiter.keyChecksRefused(req))) {
        client = auth.clientOf(req.headers);
        if (!client) await limiter.countAuthFailure(req);
      }
      if (!client) return { status };
      return { status, dependencies: { engine: { status: 'ok' }, ...(await deps.readiness()) } };
    },
  );
  app.get(
    '/metrics',
    {
      config: OPERATIONS,
      schema: { summary: 'Prometheus metrics', tags: ['operations'], security: [], produces: ['text/plain'] },
    },
    async (_req, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
  app.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, async () => app.swagger());
  // the topics' contract for downstream consumers (topology/asyncapi.ts, docs/consumers.md)
  let asyncApi: Record<string, unknown> | undefined;
  app.get('/asyncapi.json', { config: PUBLIC, schema: { hide: true } }, async () => {
    asyncApi ??= asyncApiDocument(topology, { version: packageVersion() });
    return asyncApi;
  });

  return app;
}
