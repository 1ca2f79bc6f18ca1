// Teardown that tries every step: one step failing (a connector already gone, a broker down)
// must not leave the later ones (slot, database, topics, keys) behind. What failed is reported
// together at the end.
export class Cleanup {
  private readonly problems: string[] = [];

  /** Runs `step`; a failure is noted under `what` and the teardown goes on. */
  async attempt(what: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (e) {
      this.problems.push(`${what}: ${(e as Error).message}`);
    }
  }

  /** Throws one error naming every step that failed, if any did. */
  done(): void {
    if (this.problems.length) throw new Error(`cleanup incomplete:\n${this.problems.join('\n')}`);
  }
}
