import type { Command } from 'commander';

/**
 * A `cashflow` sub-command. Modules that implement one import Kafka, database and Redis
 * clients only inside their actions (dynamic import), so that `actus`, `bench engine`,
 * `topology` and `--help` never load them (CONTRACTS.md).
 */
export interface CommandModule {
  register(program: Command): void;
}

/** An error whose message is meant for the person at the terminal: no stack trace. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}
