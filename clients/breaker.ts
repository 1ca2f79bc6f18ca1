// Circuit breakers around the dependencies a process calls on its batch path (docs/runner.md,
// "Circuit breakers"): after `failures` consecutive calls failed because the dependency is
// down, the breaker opens and calls fail at once, without reaching it, for `halfOpenMs`; then
// one call goes through (half-open) and its outcome closes or opens the breaker again. An open
// breaker's error, BreakerOpenError, is retriable, so the runner holds the partition and tries
// the batch again (never skips it, never dead-letters it), and the processes stop hammering a
// service that is down, four partitions per processor at a time.
// Only a dependency-down error (ComponentDownError, clients/errors.ts) counts as a failure; a
// refusal (HTTP 4xx, a bad schema) or a poison record says nothing about the dependency.
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, IsolatedCircuitError, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { ComponentDownError, RetriableError, type Component } from './errors.js';
import type { Log } from './log.js';

/** What a breaker wraps: a component, or the job callbacks' receivers (processors/job-worker.ts). */
export type BreakerName = Exclude<Component, 'kafka' | 'connect'> | 'callbacks';

export const BREAKER_NAMES: readonly BreakerName[] = ['database', 'redis', 'schema-registry', 'callbacks'];

export type BreakerState = 'closed' | 'open' | 'half-open';

export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

export interface BreakerSettings {
  /** Consecutive dependency-down failures that open the breaker (CASHFLOW_BREAKER_FAILURES). */
  failures: number;
  /** How long an open breaker refuses calls before letting one through (CASHFLOW_BREAKER_HALF_OPEN_MS). */
  halfOpenMs: number;
}

/**
 * A call refused by an open breaker: nothing was sent; the dependency was failing a moment ago.
 * A RetriableError naming the breaker's dependency; not a ComponentDownError, so that a breaker
 * never counts another's refusal as its own dependency down.
 */
export class BreakerOpenError extends RetriableError {
  constructor(
    readonly breaker: BreakerName,
    /** Milliseconds until the breaker lets a call through again (0: now). */
    readonly halfOpenInMs: number,
  ) {
    super(breaker, undefined, `${breaker}: circuit breaker open (it failed repeatedly), next try in ${Math.ceil(halfOpenInMs / 1000)} s`);
    this.name = 'BreakerOpenError';
  }
}

/** Whether `e` says that the dependency is down (ComponentDownError), not that it refused. */
export function isDependencyDown(e: unknown): boolean {
  return e instanceof ComponentDownError;
}

/** One dependency's breaker. */
export class DependencyBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;
  /** The state as the metrics and /readyz report it (cockatiel moves to half-open only on a call). */
  private current: BreakerState = 'closed';

  constructor(
    readonly name: BreakerName,
    private readonly settings: BreakerSettings,
    options: { log?: Log; failureWhen?: (e: unknown) => boolean; onChange?: (name: BreakerName, state: BreakerState) => void } = {},
  ) {
    this.policy = circuitBreaker(handleWhen(options.failureWhen ?? isDependencyDown), {
      halfOpenAfter: settings.halfOpenMs,
      breaker: new ConsecutiveBreaker(settings.failures),
    });
    this.policy.onStateChange((s) => {
      const state: BreakerState = s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open';
      if (state === this.current) return;
      if (state === 'open' && this.current === 'closed') {
        options.log?.('warn', `circuit breaker open: ${name} failed ${settings.failures} times in a row; calls refused for ${settings.halfOpenMs} ms at a time until it answers`, {
          breaker: name,
          state,
        });
      } else if (state === 'closed') options.log?.('info', `circuit breaker closed: ${name} answers again`, { breaker: name, state });
      if (state === 'open') this.openedAt = Date.now();
      this.current = state;
      options.onChange?.(name, state);
    });
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Runs `call` through the breaker; an open breaker throws BreakerOpenError without calling. */
  async execute<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(call);
    } catch (e) {
      if (e instanceof BrokenCircuitError || e instanceof IsolatedCircuitError)
        throw new BreakerOpenError(this.name, Math.max(0, this.openedAt + this.settings.halfOpenMs - Date.now()));
      throw e;
    }
  }

  /**
   * `target` with each method (but `except`) called through the breaker: a client whose every
   * call is guarded. Methods must return promises; properties pass through.
   */
  guard<T extends object>(target: T, except: readonly (keyof T)[] = []): T {
    const skip = new Set<PropertyKey>(except as readonly PropertyKey[]);
    const wrapped = new Map<PropertyKey, unknown>();
    return new Proxy(target, {
      get: (t, key) => {
        const value = Reflect.get(t, key, t) as unknown;
        if (typeof value !== 'function' || skip.has(key)) return value;
        let w = wrapped.get(key);
        if (!w) wrapped.set(key, (w = (...args: unknown[]) => this.execute(() => (value as (...a: unknown[]) => Promise<unknown>).apply(t, args))));
        return w;
      },
    });
  }
}

const SEVERITY: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Most breakers kept per name for keyed dependencies (callback receivers); closed ones go first. */
const MAX_KEYED = 1000;

/**
 * The breakers of one process, one per dependency, created on first use. A dependency of many
 * instances (the callbacks' receivers) has one breaker per key (a receiver's origin), so that
 * one receiver that is down does not stop the callbacks to the others; its state is reported
 * as the worst of its keys'.
 */
export class Breakers {
  private readonly breakers = new Map<string, DependencyBreaker>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly options: { log?: Log; onChange?: (name: BreakerName, state: BreakerState) => void } = {},
  ) {}

  /** The breaker of `name` (and `key`, for a keyed dependency); `failureWhen` applies to one created now. */
  of(name: BreakerName, key?: string, failureWhen?: (e: unknown) => boolean): DependencyBreaker {
    const id = key === undefined ? name : `${name}\0${key}`;
    let b = this.breakers.get(id);
    if (!b) {
      if (key !== undefined && this.breakers.size >= MAX_KEYED) this.forgetClosed();
      this.breakers.set(id, (b = new DependencyBreaker(name, this.settings, { ...this.options, failureWhen })));
    }
    return b;
  }

  private forgetClosed(): void {
    for (const [id, b] of this.breakers) if (id.includes('\0') && b.state === 'closed') this.breakers.delete(id);
  }

  /** Each breaker made so far and its state (the worst of a keyed dependency's). */
  states(): Partial<Record<BreakerName, BreakerState>> {
    const out: Partial<Record<BreakerName, BreakerState>> = {};
    for (const b of this.breakers.values()) {
      const seen = out[b.name];
      if (seen === undefined || SEVERITY[b.state] > SEVERITY[seen]) out[b.name] = b.state;
    }
    return out;
  }
}
