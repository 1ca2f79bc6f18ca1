// COPY … TO STDOUT read straight from the connection's socket chunks into one growing Buffer.
// pg-copy-streams cuts a Buffer per CopyData message (one per row: ~170,000 per verification
// page) and joins them per chunk, then the reader joined the chunks again: most of the read's
// CPU and garbage beyond the decoder (bench/README.md, "Stored rows as columns"). Here each
// message's bytes are copied once, into a buffer that the next page reuses. The protocol flow is
// PostgreSQL's "COPY Operations" (CopyOutResponse, CopyData…, CopyDone; ErrorResponse ends it,
// and ParameterStatus, NoticeResponse, NotificationResponse may come in between); how the
// connection is taken over and handed back is pg-copy-streams' (copy-to.js).
import type pg from 'pg';

const COPY_DATA = 0x64;
const COPY_DONE = 0x63;
/** CopyOutResponse and the asynchronous messages the server may send during the copy: skipped. */
const SKIPPED = new Set([0x48, 0x53, 0x4e, 0x41]);

/** The part of pg's Connection a submittable drives (as pg-copy-streams does). */
interface PgConnection {
  stream: NodeJS.ReadableStream;
  query(text: string): void;
}

/** One buffer kept between reads (a page's bytes, ~20 MB for 2,000 contracts); two reads at once each get their own. */
const kept: { spare?: Buffer } = {};

class CopyOutQuery implements pg.Submittable {
  private bytes: Buffer;
  private size = 0;
  /** The current message's code and length: 5 bytes that may arrive split across chunks. */
  private readonly header = Buffer.alloc(5);
  private headerHave = 0;
  private code = 0;
  /** Bytes of the current message's content still to come; -1 while its header is read. */
  private remaining = -1;
  private connection?: PgConnection;
  private pgDataHandler?: (chunk: Buffer) => void;
  private settled = false;
  private resolve!: (bytes: Buffer) => void;
  private reject!: (e: unknown) => void;
  readonly done = new Promise<Buffer>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor(
    private readonly text: string,
    buffer: Buffer,
  ) {
    this.bytes = buffer;
  }

  submit(connection: unknown): void {
    const c = connection as PgConnection;
    this.connection = c;
    const listeners = c.stream.listeners('data');
    if (listeners.length !== 1) throw new Error(`COPY out: the connection has ${listeners.length} data listeners, expected pg's one`);
    this.pgDataHandler = listeners[0] as (chunk: Buffer) => void;
    c.stream.removeListener('data', this.pgDataHandler);
    c.stream.pause();
    c.stream.on('readable', this.onReadable);
    c.query(this.text);
  }

  private readonly onReadable = (): void => {
    let chunk: Buffer | null;
    while (this.pgDataHandler !== undefined && (chunk = this.connection!.stream.read() as Buffer | null) !== null) this.parse(chunk);
  };

  private parse(c: Buffer): void {
    let o = 0;
    while (o < c.length) {
      if (this.remaining === -1) {
        const n = Math.min(5 - this.headerHave, c.length - o);
        c.copy(this.header, this.headerHave, o, o + n);
        this.headerHave += n;
        o += n;
        if (this.headerHave < 5) return;
        this.headerHave = 0;
        this.code = this.header[0];
        this.remaining = this.header.readUInt32BE(1) - 4;
        if (this.code === COPY_DONE) return this.detach(c.subarray(o + this.remaining));
        // ErrorResponse or the end of the copy: the message is pg's to read
        if (this.code !== COPY_DATA && !SKIPPED.has(this.code)) return this.detach(Buffer.concat([this.header, c.subarray(o)]));
      }
      const n = Math.min(this.remaining, c.length - o);
      if (this.code === COPY_DATA) this.append(c, o, n);
      this.remaining -= n;
      o += n;
      if (this.remaining === 0) this.remaining = -1;
    }
  }

  private append(c: Buffer, o: number, n: number): void {
    if (this.size + n > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.size + n));
      this.bytes.copy(grown, 0, 0, this.size);
      this.bytes = grown;
    }
    c.copy(this.bytes, this.size, o, o + n);
    this.size += n;
  }

  /** Hands the connection back to pg with the bytes it has not seen (as pg-copy-streams' _detach). */
  private detach(rest: Buffer): void {
    const stream = this.connection!.stream;
    const handler = this.pgDataHandler!;
    this.pgDataHandler = undefined;
    stream.removeListener('readable', this.onReadable);
    stream.addListener('data', handler);
    handler(rest);
    // pg's data handler may pause the stream; resume once it has returned
    process.nextTick(() => stream.resume());
  }

  handleError(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.bytes.subarray(0, this.size));
  }

  /** The buffer, for the next read. */
  get buffer(): Buffer {
    return this.bytes;
  }
}

/**
 * The bytes of `statement` (a COPY … TO STDOUT) handed to `decode`, which must keep no view
 * of them: the buffer serves the next read.
 */
export async function readCopyOut<T>(client: pg.PoolClient, statement: string, decode: (bytes: Buffer) => T): Promise<T> {
  const query = new CopyOutQuery(statement, kept.spare ?? Buffer.allocUnsafe(1 << 20));
  kept.spare = undefined;
  try {
    return decode(await client.query(query).done);
  } finally {
    const held = kept.spare as Buffer | undefined;
    if (held === undefined || held.length < query.buffer.length) kept.spare = query.buffer;
  }
}
