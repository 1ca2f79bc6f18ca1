// The operations endpoints, none needing a key (docs/api.md "Errors"): liveness, readiness,
// Prometheus metrics (these three not rate limited either: api/rate-limits.ts says why), the
// OpenAPI and AsyncAPI documents and the docs page.
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { packageVersion } from '../../config/repo-file.js';
import { asyncApiDocument } from '../../topology/asyncapi.js';
import { presentedKey, type Authenticator } from '../auth.js';
import type { ApiContext } from '../context.js';
import type { RateLimiter } from '../rate-limits.js';
import * as S from '../schemas.js';

/** @fastify/swagger's options: the OpenAPI document at /openapi.json, generated from the routes' schemas. */
export const openApiOptions: FastifyDynamicSwaggerOptions = {
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
};

const PUBLIC = { public: true } as const;
const OPERATIONS = { public: true, operations: true } as const;

export interface OpsRouteOptions {
  context: ApiContext;
  /** /readyz lists the dependencies for a valid key only. */
  auth: Authenticator;
  limiter: RateLimiter;
}

export const opsRoutes: FastifyPluginAsync<OpsRouteOptions> = async (app, { context, auth, limiter }) => {
  const { metrics, topology } = context;
  // the docs page (its routes are public: api/hooks.ts)
  await app.register(swaggerUi, { routePrefix: '/docs' });

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
      const status = context.closing ? 'not ready' : 'ready';
      reply.code(context.closing ? 503 : 200);
      // details for a valid key only; a wrong one counts as any request without a valid key
      let client: string | undefined;
      if (presentedKey(req.headers) !== undefined && !(await limiter.keyChecksRefused(req))) {
        client = auth.clientOf(req.headers);
        if (!client) await limiter.countAuthFailure(req);
      }
      if (!client) return { status };
      return { status, dependencies: { engine: { status: 'ok' }, ...(await context.deps.readiness()) } };
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
};
