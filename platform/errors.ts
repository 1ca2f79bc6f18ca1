// Errors whose message is for the person who asked: the command line prints the message alone,
// without a stack trace, and exits with `exitCode` (cli/main.ts). They live here, below the
// command line, so that what a command runs (platform/) throws the same class its options do
// (cli/command.ts re-exports it).

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

/**
 * An error of bringing the platform up or down (a stack that is not healthy, a processor that
 * exited at start): a UserFacingError.
 */
export class PlatformError extends UserFacingError {
  constructor(message: string, exitCode = 1) {
    super(message, exitCode);
    this.name = 'PlatformError';
  }
}
