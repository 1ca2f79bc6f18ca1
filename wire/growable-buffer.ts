// A byte buffer written front to back that doubles when full: the one backing store of our
// hand-rolled binary encoders (Avro ContractCashflows, PostgreSQL COPY binary rows).
export class GrowableBuffer {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  /** Makes room for n more bytes at `pos`. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
