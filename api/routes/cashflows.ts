// POST /v1/cashflows: test bed shaped cases answered in the request, byte for byte what
// `cashflow actus` prints (docs/api.md "Synchronous answers"), from the results cache or computed
// off the main thread under a budget (api/compute-pool.ts); over API_SYNC_MAX_CONTRACTS cases,
// a job.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AnswerPieces } from '../answer-pieces.js';
import { ResultsCache } from '../cache.js';
import { cacheable, caseCacheKeys, completeFromStore, type Cases } from '../compute.js';
import { ComputePool } from '../compute-pool.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../errors.js';
import * as S from '../schemas.js';
import { jobQuery, type JobSubmission } from './job-submission.js';

/** Results larger than this (about 800 events) are not kept in the results cache. */
const CACHE_MAX_RESULT_BYTES = 128 * 1024;

export interface CashflowRouteOptions {
  context: ApiContext;
  submission: JobSubmission;
}

export const cashflowRoutes: FastifyPluginAsync<CashflowRouteOptions> = async (app, { context, submission }) => {
  const { limits, metrics } = context;
  const cache = new ResultsCache(() => context.deps.redis(), limits.cacheTtlSeconds, metrics);

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
    const { cases: full, storeUsed, storeError } = await completeFromStore(cases, context.state());
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

  app.post<{ Body: Cases; Querystring: { callbackUrl?: string } }>(
    '/v1/cashflows',
    {
      schema: {
        summary: 'cash flows of test bed shaped cases',
        description: `Computed in the request up to API_SYNC_MAX_CONTRACTS (${limits.syncMaxContracts}) cases: the answer is byte for byte what \`cashflow actus\` prints for the same file (market data missing from the body is read from the pipeline's store). Larger requests become a job (202), exactly as if posted to /v1/jobs. The computation is bounded: over API_SYNC_MAX_EVENTS (${limits.syncMaxEvents}) events, API_SYNC_TIMEOUT_MS (${limits.syncTimeoutMs}) ms or API_SYNC_HEAP_MB (${limits.syncHeapMb}) MB of heap the request is answered 422 naming the limit.`,
        tags: ['compute'],
        body: S.casesBodySchema,
        ...jobQuery,
        response: { 200: S.caseResultsSchema, 202: S.jobAcceptedSchema, 422: S.errorSchema, ...errorResponses },
      },
      preValidation: submission.limitCases,
      // after the query's validation
      preHandler: submission.callbackOfQuery,
    },
    async (req, reply) => {
      let n = 0;
      for (const _ in req.body) n++;
      if (n > limits.syncMaxContracts) return submission.startJob(req, reply);
      const body = await answer(req.body, reply);
      // the pieces written in turn as the socket takes them, the results' bytes as the worker
      // handed them over: a 16 MB answer is neither copied into one buffer nor written at once
      return reply
        .type('application/json; charset=utf-8')
        .header('content-length', String(body.length))
        .send(Readable.from(body.pieces(), { objectMode: false }));
    },
  );
};
