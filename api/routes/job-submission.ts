// Submitting a job from a whole body, shared by POST /v1/jobs and POST /v1/cashflows (which
// turns a request over API_SYNC_MAX_CONTRACTS into a job): the limit on cases per request, the
// callbackUrl's check, the job submitted and its 202.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { failureSummary } from '../../clients/errors.js';
import { CallbackAddresses } from '../../jobs/callback-address.js';
import type { Cases } from '../compute.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../errors.js';
import { submitJob, type KafkaSide, type Submitted } from '../../jobs/submit.js';
import * as S from '../schemas.js';

/** The query of a route that may start a job. */
export const jobQuery = { querystring: S.jobQuerySchema };

type CallbackQuery = { Querystring: { callbackUrl?: string } };

export interface JobSubmission {
  /** preValidation: 413 when a body has more cases than API_MAX_CONTRACTS_PER_REQUEST (before validating them all). */
  limitCases(req: FastifyRequest): Promise<void>;
  /** HttpError 400 when a job's callbackUrl is refused (jobs/callback-address.ts). */
  checkCallback(url: string | undefined): Promise<void>;
  /** preHandler (after the query's validation): checkCallback of the query's callbackUrl. */
  callbackOfQuery(req: FastifyRequest<CallbackQuery>): Promise<void>;
  /** The job of a whole body, submitted: its 202. */
  startJob(req: FastifyRequest<{ Body: Cases } & CallbackQuery>, reply: FastifyReply): Promise<Accepted>;
  /** The 202 of a submitted job. */
  accepted(submitted: Submitted, reply: FastifyReply): Accepted;
}

export interface Accepted {
  jobId: string;
  contracts: number;
  chunks: number;
  statusUrl: string;
  eventsUrl: string;
  resultUrl: string;
}

export function jobSubmission(ctx: ApiContext): JobSubmission {
  const { limits, metrics } = ctx;

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

  const accepted = (submitted: Submitted, reply: FastifyReply): Accepted => {
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
  // (jobs/callback-address.ts, jobs/callback-delivery.ts)
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

  const callbackOfQuery = (req: FastifyRequest<CallbackQuery>) => checkCallback(req.query.callbackUrl);

  const startJob = async (req: FastifyRequest<{ Body: Cases } & CallbackQuery>, reply: FastifyReply) => {
    const store = ctx.jobStore();
    let kafka: KafkaSide;
    try {
      kafka = await ctx.deps.kafka();
    } catch (e) {
      throw new HttpError(503, `jobs need Kafka, which is unreachable (${failureSummary(e, 'kafka')}): try again shortly`, {
        cause: e,
      });
    }
    const submitted = await submitJob(req.body, store, kafka, ctx.topology, {
      client: req.client,
      callbackUrl: req.query.callbackUrl,
      maxConcurrentJobs: limits.maxConcurrentJobsPerClient,
      chunkSize: limits.jobChunkSize,
      rawJson: req.rawJson,
      now: ctx.now,
    });
    return accepted(submitted, reply);
  };

  return { limitCases, checkCallback, callbackOfQuery, startJob, accepted };
}
