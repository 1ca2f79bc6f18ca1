// UTF-8 JSON text written front to back into one growing byte array: the test bed serializer
// (engine/testbed.ts) writes cached fragments and numbers here instead of concatenating
// strings (hundreds of thousands of short strings per 1,000 contracts, then a flatten).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of a text (fragments the serializer caches). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export class JsonBytes {
  bytes: Uint8Array;
  pos = 0;
  constructor(size = 64 * 1024) {
    this.bytes = new Uint8Array(size);
  }

  /** Makes room for n more bytes at `pos`. */
  reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n));
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
  }

  byte(b: number): void {
    if (this.pos >= this.bytes.length) this.reserve(1);
    this.bytes[this.pos++] = b;
  }

  /** Text known to be ASCII (numbers, dates): one byte per character. */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.bytes.length) this.reserve(n);
    const b = this.bytes;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Bytes as they are (a cached fragment); up to 16 copied by hand, cheaper than set() (measured). */
  raw(fragment: Uint8Array): void {
    const n = fragment.length;
    if (this.pos + n > this.bytes.length) this.reserve(n);
    const b = this.bytes;
    if (n > 16) {
      b.set(fragment, this.pos);
      this.pos += n;
      return;
    }
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = fragment[i];
    this.pos = p;
  }

  /** Any text, UTF-8 encoded (already JSON: the caller quotes and escapes). */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += encoder.encodeInto(s, this.bytes.subarray(this.pos)).written;
  }

  /** A JSON string value: JSON.stringify(s), UTF-8 encoded. */
  string(s: string): void {
    this.text(JSON.stringify(s));
  }

  /** The bytes written so far (a view: valid until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }

  toString(): string {
    return decoder.decode(this.view());
  }
}
