// The HTTP API (docs/api.md) as a Fastify instance, composed here: the hooks every request goes
// through (api/hooks.ts), the error answers (api/errors.ts), the OpenAPI document and the route
// plugins (api/routes/). Everything outside the engine (Redis, Kafka, the read database) is
// reached through ApiDependencies, created lazily, so the API starts with the engine alone
// (docs/interfaces.md) and tests inject fakes.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DependencyState } from '../dependencies/meet.js';
import { stderrLogger } from '../clients/log.js';
import { createAuthenticator } from './auth.js';
import { ApiContext, type ApiDependencies } from './context.js';
import { apiErrorHandler } from './errors.js';
import { addHooks } from './hooks.js';
import { createRateLimiter } from './rate-limits.js';
import { cashflowRoutes } from './routes/cashflows.js';
import { jobSubmission } from './routes/job-submission.js';
import { jobRoutes } from './routes/jobs.js';
import { openApiOptions, opsRoutes } from './routes/ops.js';
import { resultRoutes } from './routes/results.js';

export type { ApiDependencies, DependencyState };

export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const { config, metrics } = deps;
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
  const context = new ApiContext(deps);
  const auth = createAuthenticator(limits.keys);
  const limiter = await createRateLimiter(app, limits.rateLimit);
  // on the root instance, before any route: it collects every route's schema
  await app.register(swagger, openApiOptions);

  // open SSE streams end and /readyz answers 503 when the server closes
  app.addHook('preClose', async () => {
    context.closing = true;
  });
  // the hooks and the error handler first: the route plugins inherit them
  addHooks(app, { metrics, auth, limiter });
  app.setErrorHandler(apiErrorHandler(metrics, limits.bodyLimitBytes));

  // in this order, the order of the paths in the OpenAPI document
  const submission = jobSubmission(context);
  await app.register(cashflowRoutes, { context, submission });
  await app.register(jobRoutes, { context, submission });
  await app.register(resultRoutes, { context });
  await app.register(opsRoutes, { context, auth, limiter });
  return app;
}
