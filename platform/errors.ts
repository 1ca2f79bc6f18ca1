// An error of bringing the platform up or down whose message is for the person who asked (a
// stack that is not healthy, a processor that exited at start): the command line prints it
// alone, without a stack trace, and exits with `exitCode`.
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}
