// How the runner tries a step again (docs/runner.md "A batch"; docs/architecture.md, invariant 5):
// a RetriableError waits with exponential backoff and holds the partition, never skipping it;
// lost state waits for the process's healer; an open circuit breaker waits at least until it lets
// a call through again. Faults are told apart by class only (clients/errors.ts).
import { backoffDelayMs, type BackoffOptions } from '../clients/backoff.js';
import { BreakerOpenError } from '../clients/breaker.js';
import { componentOf, errorMessage, isRetriable, PoisonRecordError, RetriableError, type FailedComponent } from '../clients/errors.js';
import type { Log } from '../clients/log.js';
import { StateLostError } from '../state/readiness.js';
import type { ProcessorName } from '../topology/topology.js';
import type { PipelineMetrics } from './metrics.js';

/** The runner stops, or the batch's partition was taken away: leave the batch unresolved. */
export class Stopped extends Error {
  constructor() {
    super('runner stopping');
    this.name = 'Stopped';
  }
}

/** One batch in hand: whether it is still ours, and the fields each of its log lines carries. */
export interface BatchScope {
  alive(): boolean;
  fields: { processor: ProcessorName; topic: string; partition: number };
}

export interface RetryServices {
  metrics: PipelineMetrics;
  log: Log;
  backoff: BackoffOptions;
  /**
   * Heals lost Redis state (state/healing.ts StateHealer): a batch that meets StateLostError
   * waits for it and is then retried. Without one, StateLostError is retried with backoff.
   */
  healer?: { heal(): Promise<void> };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * An effect's failure (a state write, a send) as the runner treats it: retriable and poison
 * errors keep their class; any other failure of `component` is retriable, wrapped with its
 * cause (a broker, Redis or database fault no adapter named).
 */
export function effectError(component: FailedComponent, e: unknown): RetriableError | PoisonRecordError {
  return e instanceof RetriableError || e instanceof PoisonRecordError ? e : new RetriableError(component, e);
}

/**
 * The `component` label of cashflow_dependency_errors_total: an open breaker's dependency, else
 * the component the error's adapter named (through a wrap of the runner's own), else `other`.
 */
export function dependencyLabel(e: unknown): string {
  if (e instanceof BreakerOpenError) return e.breaker;
  return componentOf(e) ?? (e instanceof RetriableError ? componentOf(e.cause) : undefined) ?? 'other';
}

/** The runner's retry loop, one per processor runner. */
export class Retrier {
  constructor(
    private readonly processor: ProcessorName,
    private readonly services: RetryServices,
  ) {}

  /**
   * Runs `step` until it succeeds. Retriable errors wait with exponential backoff (the
   * partition is blocked meanwhile); other errors are retried too when `retryAll`, else thrown.
   * An open circuit breaker (clients/breaker.ts) waits at least until the breaker lets a call
   * through again. Throws Stopped as soon as the runner stops or the partition is taken away.
   */
  async retrying<T>(scope: BatchScope, step: () => Promise<T>, retryAll = true): Promise<T> {
    const { metrics, log, backoff } = this.services;
    for (let attempt = 0; ; attempt++) {
      if (!scope.alive()) throw new Stopped();
      try {
        return await step();
      } catch (e) {
        if (e instanceof Stopped) throw e;
        if (e instanceof StateLostError && (await this.awaitHealedState(scope, e))) continue;
        if (!retryAll && !isRetriable(e)) throw e;
        const open = e instanceof BreakerOpenError;
        metrics.retries.inc({ processor: this.processor });
        metrics.dependencyErrors.inc({ processor: this.processor, component: dependencyLabel(e) });
        const delay = Math.max(backoffDelayMs(backoff, attempt), open ? e.halfOpenInMs : 0);
        // the breaker said so once, at warn, when it opened: each held batch's wait is detail
        log(open ? 'debug' : 'warn', 'retrying after a retriable fault', { ...scope.fields, attempt: attempt + 1, delayMs: Math.round(delay), error: errorMessage(e) });
        const until = Date.now() + delay;
        while (Date.now() < until) {
          if (!scope.alive()) throw new Stopped();
          await sleep(Math.min(200, until - Date.now()));
        }
      }
    }
  }

  /**
   * The batch met lost state: wait for the process's healer (which rebuilds, or waits for the
   * process rebuilding). True once healed (retry at once); false when the heal failed (the
   * caller backs off and tries again, which asks for a heal again). Throws Stopped when the
   * runner stops meanwhile.
   */
  private async awaitHealedState(scope: BatchScope, e: StateLostError): Promise<boolean> {
    const healer = this.services.healer;
    if (!healer) return false;
    this.services.log('warn', 'state lost: batch held until the state is rebuilt', { ...scope.fields, error: e.message });
    let outcome: boolean | undefined;
    const healing = healer.heal().then(
      () => (outcome = true),
      () => (outcome = false),
    );
    while (outcome === undefined) {
      if (!scope.alive()) throw new Stopped();
      await Promise.race([healing, sleep(200)]);
    }
    return outcome;
  }
}
