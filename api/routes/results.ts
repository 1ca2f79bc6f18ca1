// The pipeline's results (docs/api.md): a contract's and a portfolio's stored cash flows and a
// portfolio's ladder, read from the result tables through the read-only pool, and a
// portfolio's contracts requested again through the pipeline (POST /v1/portfolios/:id/recalc).
import type { FastifyPluginAsync } from 'fastify';
import { failureSummary } from '../../clients/errors.js';
import type { LadderBucket } from '../../db/database.js';
import { StateLostError } from '../../state/readiness.js';
import type { ApiContext } from '../context.js';
import { errorResponses, HttpError, STATE_REBUILD_RETRY_AFTER_SECONDS } from '../errors.js';
import * as S from '../schemas.js';
import { manualRequest, portfolioContracts, sendRecalcRequests } from '../../processors/recalc-requests.js';

export interface ResultRouteOptions {
  context: ApiContext;
}

export const resultRoutes: FastifyPluginAsync<ResultRouteOptions> = async (app, { context }) => {
  const db = async () => {
    try {
      return await context.deps.readDatabase();
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
        response: { 202: S.portfolioRecalcSchema, 404: S.errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const state = context.state();
      if (!state) throw new HttpError(503, 'the portfolio membership is in Redis, which is unreachable (REDIS_URL): try again shortly');
      let ids: string[];
      try {
        ids = await portfolioContracts(state, req.params.id);
      } catch (e) {
        if (!(e instanceof StateLostError)) throw e;
        return reply
          .code(503)
          .header('retry-after', String(STATE_REBUILD_RETRY_AFTER_SECONDS))
          .send({ error: `${e.message}: the portfolio membership is in the pipeline's state, which the processors are rebuilding; try again shortly` });
      }
      if (ids.length === 0) throw new HttpError(404, `portfolio ${req.params.id} holds no positions`);
      const kafka = await context.deps.kafka();
      const topic = context.topology.topic('recalcRequests').name;
      const createdAt = new Date(context.now()).toISOString();
      await sendRecalcRequests(kafka.producer, topic, await kafka.codec.encoder('recalcRequests'), ids.map((id) => manualRequest(id)));
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
};
