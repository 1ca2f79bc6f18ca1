import type { ConfigPath } from '../config/config.js';

import { UserFacingError } from '../platform/errors.js';

/** An error whose message is meant for the person at the terminal (platform/errors.ts). */
export { UserFacingError };

/** The exit code of every command stopped by its configuration (a usage error also exits 2). */
export const CONFIGURATION_EXIT_CODE = 2;

/** One line per wrong variable, each with the one prefix, and where to look next. */
export function configurationMessage(issues: readonly { variable: string; reason: string }[]): string {
  return (
    issues.map((i) => `cashflow: configuration: ${i.variable}: ${i.reason}\n`).join('') +
    'cashflow: configuration: `cashflow config` shows every variable, its value and where it came from\n'
  );
}

/**
 * The configuration each kind of command reads, checked at its start (`loadConfig(env, uses)`):
 * a variable outside them never stops it.
 */
export const configUses = {
  /** Topic names: the prefix and the CDC topics' database part. */
  topology: ['pipeline', 'database'],
  /** Reading and writing the pipeline's topics, store and tables. */
  pipelineClients: ['kafka', 'schemaRegistryUrl', 'database', 'redisUrl', 'redisCaFile', 'pipeline', 'clients'],
  /** The processors of `cashflow run` (the job-worker reads its job and callback settings). */
  processors: ['kafka', 'schemaRegistryUrl', 'database', 'redisUrl', 'redisCaFile', 'horizon', 'pipeline', 'clients', 'tracing', 'api.jobChunkMaxEvents', 'api.jobTtlSeconds', 'api.callbacks'],
  /** What `cashflow stack` starts and checks. */
  stack: ['kafka', 'schemaRegistryUrl', 'kafkaConnectUrl', 'database', 'redisUrl', 'redisCaFile', 'stack'],
  /** `start` and `demo`: the stack, every platform step, then the processors. */
  platform: ['kafka', 'schemaRegistryUrl', 'kafkaConnectUrl', 'database', 'redisUrl', 'redisCaFile', 'horizon', 'stack', 'pipeline', 'cdc', 'clients', 'tracing', 'api.jobChunkMaxEvents', 'api.jobTtlSeconds', 'api.callbacks'],
} satisfies Record<string, ConfigPath[]>;

/** An integer option of at least `min`, or a usage error (exit 2) naming it and what was given. */
export function integerOption(raw: string, name: string, min = 1): number {
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) throw new UserFacingError(`--${name} must be an integer >= ${min}, got "${raw}"`, 2);
  return v;
}
