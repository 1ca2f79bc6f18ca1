// The bytes of a synchronous answer as the pieces they come in, for writing in turn rather than
// as one buffer: a result over GATHER_BYTES (one 95,846-event case is 16 MB) is kept as the
// worker thread handed it over, the small pieces between (case ids, commas, cached results) are
// gathered into one write. Concatenating the whole answer copied 16 MB on the main thread and
// doubled the external memory that brings on its major garbage collections (docs/api.md,
// "Heavy requests and /healthz").

/** Pieces smaller than this are gathered; a larger one is written as it is. */
const GATHER_BYTES = 64 * 1024;

export class AnswerPieces {
  private readonly done: Buffer[] = [];
  private small: Buffer[] = [];
  private smallBytes = 0;
  /** Bytes pushed so far (the answer's content-length). */
  length = 0;

  push(piece: Buffer): void {
    this.length += piece.length;
    if (piece.length < GATHER_BYTES) {
      this.small.push(piece);
      this.smallBytes += piece.length;
      if (this.smallBytes >= GATHER_BYTES) this.gather();
      return;
    }
    this.gather();
    this.done.push(piece);
  }

  /** The pieces in order, each small run gathered into one buffer. */
  pieces(): Buffer[] {
    this.gather();
    return this.done;
  }

  private gather(): void {
    if (!this.small.length) return;
    this.done.push(this.small.length === 1 ? this.small[0] : Buffer.concat(this.small, this.smallBytes));
    this.small = [];
    this.smallBytes = 0;
  }
}
