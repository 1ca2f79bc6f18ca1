// The primitives of a hand-written Avro binary writer (zigzag longs, doubles, strings, nullable
// unions) and the slabs encoded messages are cut from. avsc's compiled ContractCashflows type
// writes the bench book's schedules about three times slower (bench/README.md "wire/"), so the
// pipeline's largest and most frequent record is written by hand (wire/avro-cashflows.ts).
import { GrowableBuffer } from './growable-buffer.js';

/** A value the writer does not recognise as valid: the caller lets avsc name the offending fields. */
export class InvalidAvroValue extends Error {}

export class AvroWriter extends GrowableBuffer {
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  /** Avro int/long: zigzag varint (numbers up to 2^53 exactly). */
  long(n: number): void {
    // avsc's range for longs as numbers: |n| <= 2^53 - 2
    if (typeof n !== 'number' || !Number.isInteger(n) || n > 9007199254740990 || n < -9007199254740990) throw new InvalidAvroValue();
    this.ensure(10);
    const buf = this.buf;
    if (n >= -0x40000000 && n < 0x40000000) {
      let z = ((n << 1) ^ (n >> 31)) >>> 0;
      while (z > 0x7f) {
        buf[this.pos++] = (z & 0x7f) | 0x80;
        z >>>= 7;
      }
      buf[this.pos++] = z;
      return;
    }
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      buf[this.pos++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    buf[this.pos++] = z;
  }
  double(x: number): void {
    if (typeof x !== 'number') throw new InvalidAvroValue();
    this.ensure(8);
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }
  string(s: string): void {
    if (typeof s !== 'string') throw new InvalidAvroValue();
    const n = s.length;
    if (n < 64) {
      // ASCII fast path: one length byte (zigzag 2n < 128), then the bytes
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[start] = n << 1;
        this.pos = p;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.long(len);
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }
  nullableString(s: string | null | undefined): void {
    if (s === null || s === undefined) {
      if (s === undefined) throw new InvalidAvroValue();
      this.byte(0);
    } else {
      this.byte(2);
      this.string(s);
    }
  }
  nullableDouble(x: number | null | undefined): void {
    if (x === null) this.byte(0);
    else {
      this.byte(2);
      this.double(x as number);
    }
  }
}

// Encoded messages are cut from shared slabs, as Node's Buffer pool does below 4 KB: one
// ArrayBuffer per MB of output instead of one per schedule (each a backing store allocated,
// registered as external memory and finalised by the GC). A slab lives as long as any message
// cut from it: a batch's messages live until produced.
const SLAB_SIZE = 1 << 20;
let slab: Buffer | undefined; // the first on first use: most processes never encode a schedule
let slabUsed = SLAB_SIZE;

/** n bytes (uninitialised) cut from the current slab; larger requests get their own buffer. */
export function slabBytes(n: number): Buffer {
  if (n > SLAB_SIZE >> 3) return Buffer.allocUnsafeSlow(n);
  if (slab === undefined || slabUsed + n > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const bytes = slab.subarray(slabUsed, slabUsed + n);
  slabUsed = (slabUsed + n + 7) & ~7;
  return bytes;
}
