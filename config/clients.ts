// How every process meets its dependencies (clients/): the connect deadline of commands, the
// log, the circuit breakers.
import { lazyFields } from './lazy.js';
import { int, oneOf, text, type FieldOf } from './variables.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

export interface ClientsConfig {
  /**
   * CASHFLOW_CONNECT_TIMEOUT_MS: how long a command waits for a dependency to answer before
   * it stops with a message (processors keep trying with backoff instead). Default 5000.
   */
  connectTimeoutMs: number;
  /**
   * CASHFLOW_LOG_LEVEL: error, warn, info or debug (unset: warn for commands, info for
   * processors and the API); the Kafka client's own lines are debug.
   */
  logLevel?: LogLevel;
  /** CASHFLOW_LOG_FORMAT (or `--log`): json (one object per line, default) or pretty (for people). */
  logFormat: LogFormat;
  /** The circuit breakers around the database, Redis, the registry and job callbacks (clients/breaker.ts). */
  breaker: {
    /** CASHFLOW_BREAKER_FAILURES: consecutive dependency-down failures that open a breaker (default 5). */
    failures: number;
    /** CASHFLOW_BREAKER_HALF_OPEN_MS: how long an open breaker refuses calls before letting one through (default 5000). */
    halfOpenMs: number;
  };
}

export function clientsFields(field: FieldOf): ClientsConfig {
  return lazyFields<ClientsConfig>({
    connectTimeoutMs: field((v) => int(v, 'CASHFLOW_CONNECT_TIMEOUT_MS', 5000, 100, 600_000)),
    logLevel: field((v) =>
      text(v, 'CASHFLOW_LOG_LEVEL') === undefined ? undefined : oneOf(v, 'CASHFLOW_LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'warn'),
    ),
    logFormat: field((v) => oneOf(v, 'CASHFLOW_LOG_FORMAT', ['json', 'pretty'] as const, 'json')),
    breaker: field((v) => ({
      failures: int(v, 'CASHFLOW_BREAKER_FAILURES', 5, 1, 1000),
      halfOpenMs: int(v, 'CASHFLOW_BREAKER_HALF_OPEN_MS', 5000, 10, 600_000),
    })),
  });
}
