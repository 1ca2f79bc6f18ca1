// The API's errors and what each is answered (docs/api.md, "Errors"): 400 with every offending
// field, 413 and 422 and 429 naming the limit, 503 naming the component and the kind of failure
// but never where it is (the whole error goes to the log: clients/errors.ts failureSummary).
// Errors are recognised by class; Fastify's own by the classes it exports (`errorCodes`) and its
// validation errors by their documented `validation` property.
import { errorCodes, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { failureSummary, isRetriable } from '../clients/errors.js';
import { boundedText } from '../engine/index.js';
import { StateLostError } from '../state/readiness.js';
import { BodyJsonError } from './body-json.js';
import { SyncLimitError } from './compute-pool.js';
import { CaseTooLargeError, TooManyJobsError } from '../jobs/submit.js';
import type { ApiMetrics } from './metrics.js';
import { errorSchema } from './schemas.js';

/** Retry-After of a request that needs the pipeline's state while it is being rebuilt. */
export const STATE_REBUILD_RETRY_AFTER_SECONDS = 5;

export interface Issue {
  in: string;
  field: string;
  message: string;
}

/** An answer decided where it arises: its status, message and the fields concerned. */
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

/** The OpenAPI answers of the errors a keyed route that takes a body may give. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  413: errorSchema,
  429: errorSchema,
  503: errorSchema,
};

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

/** What an error is answered, counted and logged. */
export interface ErrorAnswer {
  statusCode: number;
  body: { error: string; issues?: Issue[] };
  retryAfterSeconds?: number;
  /** The reason it counts under in cashflow_api_rejected_total. */
  rejected?: string;
  log?: { level: 'warn' | 'error'; details: unknown; message?: string };
}

/** The answer to an error a route or Fastify raised (`bodyLimitBytes`: API_BODY_LIMIT_BYTES). Pure. */
export function errorAnswer(err: FastifyError, bodyLimitBytes: number): ErrorAnswer {
  if (err instanceof BodyJsonError)
    return {
      statusCode: 400,
      body: { error: err.message, issues: [{ in: 'body', field: err.field, message: err.message }] },
      rejected: 'invalid',
    };
  if (err.validation)
    return { statusCode: 400, body: { error: 'invalid request', issues: validationIssues(err) }, rejected: 'invalid' };
  if (err instanceof errorCodes.FST_ERR_CTP_BODY_TOO_LARGE)
    return {
      statusCode: 413,
      body: { error: `request body over ${bodyLimitBytes} bytes (API_BODY_LIMIT_BYTES)` },
      rejected: 'too large',
    };
  if (err instanceof TooManyJobsError) return { statusCode: 429, body: { error: err.message }, rejected: 'too many jobs' };
  if (err instanceof CaseTooLargeError) return { statusCode: 413, body: { error: err.message } };
  if (err instanceof SyncLimitError)
    return { statusCode: 422, body: { error: err.message }, rejected: `over the sync ${err.outcome.limit} limit` };
  if (err instanceof HttpError)
    return {
      statusCode: err.statusCode,
      body: { error: err.message, ...(err.issues ? { issues: err.issues } : {}) },
      // a dependency's own message (its URL, host, user) goes to the log, not into the body
      ...(err.cause !== undefined ? { log: { level: 'warn', details: { err: err.cause }, message: err.message } } : {}),
    };
  if (err instanceof StateLostError)
    return {
      statusCode: 503,
      body: {
        error: `${err.message}: the market data this request lacks comes from the pipeline's state, which the processors are rebuilding; try again shortly`,
      },
      retryAfterSeconds: STATE_REBUILD_RETRY_AFTER_SECONDS,
    };
  if (isRetriable(err))
    return { statusCode: 503, body: { error: `${failureSummary(err)}: try again shortly` }, log: { level: 'warn', details: err } };
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    const unparsable =
      err instanceof errorCodes.FST_ERR_CTP_INVALID_JSON_BODY ||
      err instanceof errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY ||
      err instanceof SyntaxError;
    return {
      statusCode: err.statusCode,
      body: { error: err.message, ...(unparsable ? { issues: [{ in: 'body', field: '/', message: err.message }] } : {}) },
      ...(err.statusCode === 400 ? { rejected: 'invalid' } : {}),
    };
  }
  return { statusCode: 500, body: { error: 'internal error' }, log: { level: 'error', details: err } };
}

/** The app's error handler: errorAnswer's answer sent, counted and logged. */
export function apiErrorHandler(metrics: ApiMetrics, bodyLimitBytes: number) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const answer = errorAnswer(err, bodyLimitBytes);
    if (answer.rejected !== undefined) metrics.rejected.inc({ reason: answer.rejected });
    const log = answer.log;
    if (log) {
      if (log.message === undefined) req.log[log.level](log.details);
      else req.log[log.level](log.details, log.message);
    }
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
    return reply.code(answer.statusCode).send(answer.body);
  };
}
