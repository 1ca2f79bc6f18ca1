// The jobs routes (docs/api.md "Jobs"): POST /v1/jobs, its body cut, validated and staged while it
// streams in (jobs/staged-job.ts), and a job's status, progress (Server-Sent Events) and
// result, streamed from its stored chunks. A job is visible only to the key that created it.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { JsonBytes } from '../../engine/index.js';
import { parseJsonBody } from '../body-json.js';
import { quickCheckCases } from '../../jobs/chunk-check.js';
import type { Cases } from '../compute.js';
import type { ApiContext } from '../context.js';
import { csvHeader, csvRows } from '../../wire/csv.js';
import { errorResponses, HttpError } from '../errors.js';
import { STREAMED_BODY } from '../hooks.js';
import { progressOf, type JobRecord } from '../../jobs/job-record.js';
import { writeResultsCsv, writeResultsJson } from '../../wire/packed-results.js';
import * as S from '../schemas.js';
import { StagedJob } from '../../jobs/staged-job.js';
import { jobQuery, type JobSubmission } from './job-submission.js';

export interface JobRouteOptions {
  context: ApiContext;
  submission: JobSubmission;
}

export const jobRoutes: FastifyPluginAsync<JobRouteOptions> = async (app, { context, submission }) => {
  const { limits, now } = context;

  /**
   * Stages a job for a body about to stream in (jobs/staged-job.ts), when everything the
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
    await submission.checkCallback(req.query.callbackUrl);
    let staged: StagedJob | undefined;
    try {
      staged = await StagedJob.start({
        store: context.jobStore(),
        kafka: await context.deps.kafka(),
        topology: context.topology,
        client: req.client,
        callbackUrl: req.query.callbackUrl,
        maxConcurrentJobs: limits.maxConcurrentJobsPerClient,
        chunkSize: limits.jobChunkSize,
        maxCases: limits.maxContractsPerRequest,
        // as the whole body would be (api/body-json.ts)
        parse: (text) => parseJsonBody(text) as object,
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
    return reply.send(submission.accepted(submitted, reply));
  };

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
        response: { 202: S.jobAcceptedSchema, ...errorResponses },
      },
      // the body is cut into chunks, validated and staged while it streams in (jobs/staged-job.ts)
      preParsing: stageJob,
      preValidation: [submission.limitCases, commitStaged],
      preHandler: submission.callbackOfQuery,
    },
    submission.startJob,
  );

  const ownJob = async (req: FastifyRequest<{ Params: { id: string } }>): Promise<JobRecord> => {
    const job = await context.jobStore().get(req.params.id);
    // another client's job is as unknown as a missing one, and a staged one as well (jobs/staged-job.ts)
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
        response: { 200: S.jobStatusSchema, 404: S.errorSchema, ...errorResponses },
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
      const store = context.jobStore();
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
      const pollMs = context.deps.progressPollMs ?? 500;
      // open streams end when the server closes (graceful shutdown does not wait for jobs)
      while (!closed && !context.closing) {
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
      const store = context.jobStore();
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
};
