// Meeting a dependency: does the component answer within the deadline? One check per
// component (a metadata request to the brokers, a GET to the registry and Connect, a connection
// to Redis and the database), each closing what it opened; its failure is the component's
// typed error (clients/errors.ts). Commands check once and stop (dependencies/scope.ts),
// processes try again with backoff, /readyz reports the outcome.
import { overlay, type Config } from '../config/config.js';
import { backoffDelayMs, type BackoffOptions } from '../clients/backoff.js';
import type { BreakerName, BreakerState } from '../clients/breaker.js';
import { createConnectClient } from '../clients/connect.js';
import { failureSummary, type Component } from '../clients/errors.js';
import { meetKafka } from '../clients/kafka.js';
import type { Log } from '../clients/log.js';
import { connectRedis } from '../clients/redis.js';
import { createSchemaRegistry } from '../clients/schema-registry.js';
import type { Database } from '../db/database.js';
import { openSql } from '../db/open.js';

/** Checks that a component answers within `deadlineMs`; throws its typed error otherwise. */
export async function meetComponent(
  config: Config,
  component: Component,
  deadlineMs: number,
  log?: Log,
): Promise<void> {
  // an overlay, not a spread: a spread would read (and check) every section of the configuration
  const clients = overlay(config, { clients: overlay(config.clients, { connectTimeoutMs: deadlineMs }) });
  switch (component) {
    case 'kafka':
      return meetKafka(clients, deadlineMs, log);
    case 'schema-registry':
      return createSchemaRegistry(config).probe(deadlineMs);
    case 'connect':
      return createConnectClient(config).probe(deadlineMs);
    case 'redis': {
      const redis = await connectRedis(clients, { name: 'cashflow-probe' });
      redis.disconnect();
      return;
    }
    case 'database': {
      const sql = await openSql(clients);
      await sql.close();
      return;
    }
  }
}

/**
 * One dependency's state, as /readyz reports it; `breaker` the state of its circuit breaker
 * (clients/breaker.ts) in a process that has one.
 */
export type DependencyState = { status: 'ok' | 'unreachable' | 'not configured'; detail?: string; breaker?: BreakerState };

/**
 * /readyz's dependencies, for the processors' processes and the API alike: each component's
 * own check, run at once, beside its breaker's state. Ready when every check is ok and no
 * breaker of a component is open (a breaker refuses the calls of a dependency that answers a
 * probe again until its half-open try succeeds). The callbacks' breaker is reported, not
 * counted: their receivers are the clients' services, not ours.
 */
export async function dependencyStates(
  checks: Partial<Record<Component, () => Promise<DependencyState>>>,
  breakers?: { states(): Partial<Record<BreakerName, BreakerState>> },
): Promise<{ ok: boolean; dependencies: Partial<Record<Component, DependencyState>>; breakers: Partial<Record<BreakerName, BreakerState>> }> {
  const breakerStates = breakers?.states() ?? {};
  const dependencies: Partial<Record<Component, DependencyState>> = {};
  await Promise.all(
    (Object.keys(checks) as Component[]).map(async (c) => {
      const state = await checks[c]!();
      const breaker = breakerStates[c as BreakerName];
      dependencies[c] = breaker ? { ...state, breaker } : state;
    }),
  );
  const ok = Object.values(dependencies).every((d) => d.status === 'ok' && d.breaker !== 'open');
  return { ok, dependencies, breakers: breakerStates };
}

/**
 * Whether `component` answers within `timeoutMs`, as /readyz reports it: when not, the kind of
 * failure without where the component is (clients/errors.ts failureSummary; the log has it all).
 */
export async function probeDependency(
  config: Config,
  component: Component,
  timeoutMs = 1000,
): Promise<DependencyState> {
  try {
    await meetComponent(config, component, timeoutMs, () => {});
    return { status: 'ok' };
  } catch (e) {
    return { status: 'unreachable', detail: failureSummary(e) };
  }
}

/** A check that got no answer within its time (a timeout, as a socket's ETIMEDOUT). */
class NoAnswerError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** The database as /readyz sees it: one cheap read through the process's own client, bounded in time. */
export async function databaseReadiness(
  database: () => Promise<Database>,
  timeoutMs = 2000,
): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      database().then((d) => d.cashflowVersion('__readyz__')),
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new NoAnswerError(timeoutMs)), timeoutMs)),
      ),
    ]);
    return { status: 'ok' };
  } catch (e) {
    return { status: 'unreachable', detail: failureSummary(e, 'database') };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Meets each component in turn, trying again with exponential backoff until it answers: a
 * process (the processors) waits for a dependency that is down instead of ending, and says
 * at every try which one, where, why and what to check. `onState` sees each outcome (/readyz
 * while starting); `stopped` ends the wait.
 */
export async function meetWithBackoff(
  config: Config,
  components: readonly Component[],
  options: {
    log: Log;
    backoff: BackoffOptions;
    onState?: (component: Component, state: DependencyState) => void;
    stopped?: () => boolean;
  },
): Promise<void> {
  const deadlineMs = config.clients.connectTimeoutMs;
  for (const component of components) {
    for (let attempt = 0; ; attempt++) {
      if (options.stopped?.()) return;
      try {
        await meetComponent(config, component, deadlineMs, options.log);
        options.onState?.(component, { status: 'ok' });
        if (attempt > 0) options.log('info', `${component} reached`, { component, attempts: attempt + 1 });
        break;
      } catch (e) {
        const delayMs = Math.round(backoffDelayMs(options.backoff, attempt));
        options.onState?.(component, { status: 'unreachable', detail: failureSummary(e, component) });
        options.log('warn', `waiting for ${component}: ${(e as Error).message}`, {
          component,
          attempt: attempt + 1,
          retryInMs: delayMs,
        });
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }
}
