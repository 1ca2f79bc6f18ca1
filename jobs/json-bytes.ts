// The bytes of JSON's structure (RFC 8259 section 2) as the scanners of request bodies read them
// straight from UTF-8 (api/body-json.ts, jobs/body-cutter.ts, jobs/chunk-check.ts): every one is
// ASCII, and a multi-byte character never contains an ASCII byte, so a scan by byte finds them
// without decoding the text.
//
// A scanner binds the ones it reads to constants of its own (`const { QUOTE } = jsonBytes`):
// V8 folds a module's own constant into a loop and inlines its own isBlank, not an import's live
// binding (bench/job-body.ts, stream: 138 ms CPU with constants of its own, 191 ms reading the
// imports). For the same reason each scan skips strings in its own loop: a call per string
// doubled the depth scan's time over a 70 MB body (51 → 99 ms CPU).

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COLON = 0x3a;
export const COMMA = 0x2c;

/** JSON's insignificant whitespace: space, line feed, carriage return, tab (most bytes are over 32: one comparison). */
export const isBlank = (c: number) => c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9);

