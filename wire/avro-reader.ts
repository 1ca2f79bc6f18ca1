// A hand-written Avro binary reader for what avsc does not do: walk a ContractCashflows body,
// checking it, without building its events (wire/avro-cashflows.ts scanContractCashflows).
// Decoding the events themselves is avsc's (wire/schedule.ts): as fast, measured.

/** Node's Buffer has these (what Buffer.toString calls after its argument checks). */
type Utf8Buffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

// A pure cache of short ASCII strings by hash slot (a miss just allocates): safe to lose.
const INTERN_SIZE = 4096;
const interned: (string | undefined)[] = new Array(INTERN_SIZE);

export class AvroReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }
  long(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    let n = b & 0x7f;
    let k = 1;
    // up to 4 bytes (28 bits) with bit operations, beyond with arithmetic
    while (b & 0x80 && k < 4) {
      b = buf[this.pos++];
      n |= (b & 0x7f) << (7 * k);
      k++;
    }
    if (b & 0x80) {
      // the zigzag value z may exceed 2^53 (|v| up to 2^53 - 2): sum z / 2, exact, and keep z's low bit apart
      const negative = n & 1;
      let half = n >>> 1;
      let f = 2 ** 27;
      do {
        b = buf[this.pos++];
        half += (b & 0x7f) * f;
        f *= 128;
      } while (b & 0x80);
      if (this.pos > buf.length) throw new RangeError('truncated');
      return negative ? -half - 1 : half;
    }
    if (this.pos > buf.length) throw new RangeError('truncated');
    return (n >>> 1) ^ -(n & 1);
  }
  string(): string {
    const len = this.long();
    const start = this.pos;
    const end = start + len;
    if (len < 0 || end > this.buf.length) throw new RangeError('truncated');
    this.pos = end;
    if (len === 0) return '';
    if (len <= 24) {
      // short strings (types, dates) repeat across a batch: intern them
      const buf = this.buf;
      let h = len;
      for (let i = start; i < end; i++) {
        const c = buf[i];
        if (c >= 0x80) return (buf as Utf8Buffer).utf8Slice(start, end);
        h = (Math.imul(h, 31) + c) | 0;
      }
      const slot = h & (INTERN_SIZE - 1);
      const cached = interned[slot];
      if (cached !== undefined && cached.length === len) {
        let same = true;
        for (let i = 0; i < len; i++) {
          if (cached.charCodeAt(i) !== buf[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return cached;
      }
      const fresh = (buf as Utf8Buffer).latin1Slice(start, end);
      interned[slot] = fresh;
      return fresh;
    }
    return (this.buf as Utf8Buffer).utf8Slice(start, end);
  }
  skip(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new RangeError('truncated');
    this.pos += n;
  }
  skipString(): void {
    this.skip(this.long());
  }
  skipNullableString(): void {
    if (this.union()) this.skipString();
  }
  skipNullableDouble(): void {
    if (this.union()) this.skip(8);
  }
  union(): boolean {
    const i = this.long();
    if (i === 0) return false;
    if (i === 1) return true;
    throw new RangeError(`bad union index ${i}`);
  }
  nullableString(): string | null {
    return this.union() ? this.string() : null;
  }
}
