// A job chunk's text `{"<id>":<case>,…}` checked straight from its bytes: the ids of a
// chunk that Fastify's JSON parser (secure-json-parse: JSON.parse, `__proto__` and `constructor`
// keys refused) and the body schema (api/schemas.ts casesBodySchema) certainly accept, without
// building the cases. The API receiving a job body only needs to know that each chunk passes
// (the workers parse it to compute it): JSON.parse and the schema were 0.41 and 0.02 of the 0.85
// CPU-s the API spent cutting a 160,000-contract body, besides the garbage they left.
//
// It is a filter, not a second implementation of the rules: it answers only for the shapes it
// knows for sure and says "unsure" (undefined) for anything else, and the caller then parses and
// validates that chunk as before, so every answer and every 400 stays the whole-body path's.
// Unsure: anything that is not JSON (JSON.parse's error names a position), an escape in a key,
// a `__proto__` or `constructor` key at any depth, a case member the schema constrains beyond
// its type (dataObserved, eventsObserved), a case member given twice, a case without a terms
// object, a member of the wrong type. Pure; bytes must be valid UTF-8 (the caller checks).
// The body cutter runs it case by case (eachCase) on the pieces of a body as they arrive, which
// also finds where each case ends: each byte is read once (jobs/body-cutter.ts).
import * as jsonBytes from './json-bytes.js';

// constants of this module's own, for the scans below (jobs/json-bytes.ts says why)
const { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isBlank, OPEN_ARRAY, OPEN_OBJECT, QUOTE } = jsonBytes;

export const UNSURE = -1;

/**
 * The byte at `i`, or -1 past the end: a case the cutter checks where it lies may go on in the
 * next piece, and a read past the end would throw away the compiled check (V8 deoptimizes).
 */
const byte = (b: Uint8Array, i: number) => (i < b.length ? b[i] : -1);

/** Case members the schema constrains, as bytes, with the first byte their value must have (0: unsure). */
const CASE_MEMBERS: readonly { key: Uint8Array; bit: number; first: number }[] = [
  { key: Buffer.from('terms'), bit: 1, first: OPEN_OBJECT },
  { key: Buffer.from('identifier'), bit: 2, first: QUOTE },
  { key: Buffer.from('to'), bit: 4, first: QUOTE },
  { key: Buffer.from('results'), bit: 8, first: OPEN_ARRAY },
  { key: Buffer.from('dataObserved'), bit: 16, first: 0 },
  { key: Buffer.from('eventsObserved'), bit: 32, first: 0 },
];
const PROTO = Buffer.from('__proto__');
const CONSTRUCTOR = Buffer.from('constructor');

function equals(b: Uint8Array, from: number, to: number, word: Uint8Array): boolean {
  if (to - from !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[from + k] !== word[k]) return false;
  return true;
}

/**
 * The check of a chunk's text from its bytes: the ids of its cases when the whole-body path
 * certainly accepts them, undefined when unsure; and the same check case by case, for a
 * scanner that meets the cases one at a time (jobs/body-cutter.ts): a chunk is sure when each
 * of its cases is, as it is written between `{`, `,` and `}`.
 */
export interface ChunkCheck {
  (bytes: Buffer): string[] | undefined;
  /**
   * The case `"<id>":{…}` whose id's opening quote is at `at`: the index after its `}` when
   * sure, else UNSURE (as well when `b` ends before it does). Reads nothing after that `}`.
   */
  eachCase(b: Uint8Array, at: number): number;
}

/** How a body streaming in is checked, chunk by chunk, as it would be whole (jobs/body-cutter.ts). */
export interface ChunkChecks {
  /** Parses a chunk's text `{…}` as the whole body would be parsed; throws what it refuses. */
  parse(text: string): object;
  /** Whether parsed cases pass the body's schema. */
  valid(cases: object): boolean;
  /**
   * The ids of a chunk's text (UTF-8 bytes) that `parse` and `valid` certainly accept, found
   * without parsing it; undefined when unsure, and they decide (quickCheckCases). The cutter
   * runs it case by case (eachCase) as it scans, so that each byte is read once.
   */
  quickCheck?: ChunkCheck;
}

/**
 * The ids of the cases in `b` (a chunk's text, UTF-8), in order, when the whole-body path
 * certainly accepts them; undefined when unsure.
 */
export const quickCheckCases: ChunkCheck = Object.assign(
  (b: Buffer): string[] | undefined => {
    const n = b.length;
    const ids: string[] = [];
    let i = blanks(b, 0);
    if (byte(b, i) !== OPEN_OBJECT) return undefined;
    i = blanks(b, i + 1);
    if (byte(b, i) === CLOSE_OBJECT) return undefined; // no cases: the schema's minProperties
    for (;;) {
      const end = quickCheckCase(b, i);
      if (end === UNSURE) return undefined;
      ids.push(b.toString('utf8', i + 1, b.indexOf(QUOTE, i + 1)));
      i = blanks(b, end);
      if (byte(b, i) === COMMA) {
        i = blanks(b, i + 1);
        continue;
      }
      if (byte(b, i) !== CLOSE_OBJECT) return undefined;
      i = blanks(b, i + 1);
      return i === n ? ids : undefined;
    }
  },
  { eachCase: quickCheckCase },
);

/** ChunkCheck.eachCase: an id without escapes, then an object with a terms object. */
function quickCheckCase(b: Uint8Array, at: number): number {
  // the case id
  if (byte(b, at) !== QUOTE) return UNSURE;
  const keyEnd = key(b, at + 1);
  if (keyEnd === UNSURE) return UNSURE;
  let i = blanks(b, keyEnd + 1);
  if (byte(b, i) !== COLON) return UNSURE;
  i = blanks(b, i + 1);
  // the case: an object with a terms object
  if (byte(b, i) !== OPEN_OBJECT) return UNSURE;
  i = blanks(b, i + 1);
  let seen = 0;
  if (byte(b, i) !== CLOSE_OBJECT)
    for (;;) {
      if (byte(b, i) !== QUOTE) return UNSURE;
      const memberEnd = key(b, i + 1);
      if (memberEnd === UNSURE) return UNSURE;
      let first = -1;
      for (const m of CASE_MEMBERS)
        if (equals(b, i + 1, memberEnd, m.key)) {
          if (seen & m.bit) return UNSURE; // JSON.parse keeps the last: let it
          seen |= m.bit;
          first = m.first;
          break;
        }
      if (first === 0) return UNSURE;
      i = blanks(b, memberEnd + 1);
      if (byte(b, i) !== COLON) return UNSURE;
      i = blanks(b, i + 1);
      if (first > 0 && byte(b, i) !== first) return UNSURE;
      i = value(b, i, 0);
      if (i === UNSURE) return UNSURE;
      i = blanks(b, i);
      if (byte(b, i) === COMMA) {
        i = blanks(b, i + 1);
        continue;
      }
      if (byte(b, i) !== CLOSE_OBJECT) return UNSURE;
      break;
    }
  if (!(seen & 1)) return UNSURE; // terms is required
  return i + 1;
}

function blanks(b: Uint8Array, i: number): number {
  while (i < b.length && isBlank(b[i])) i++;
  return i;
}

/** A key from after its opening quote: the index of its closing quote; unsure with an escape or a reserved name. */
function key(b: Uint8Array, from: number): number {
  const n = b.length;
  let i = from;
  for (;;) {
    if (i >= n) return UNSURE;
    const c = b[i];
    if (c === QUOTE) break;
    if (c === BACKSLASH || c < 32) return UNSURE;
    i++;
  }
  if (equals(b, from, i, PROTO) || equals(b, from, i, CONSTRUCTOR)) return UNSURE;
  return i;
}

/** A string from after its opening quote: the index after its closing quote. */
function string(b: Uint8Array, from: number): number {
  const n = b.length;
  let i = from;
  for (;;) {
    // the plain bytes at once
    let c = 0;
    while (i < n && (c = b[i]) >= 32 && c !== QUOTE && c !== BACKSLASH) i++;
    if (i >= n) return UNSURE;
    i++;
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      const e = byte(b, i++);
      if (e === 117) {
        // \uXXXX
        for (let k = 0; k < 4; k++, i++) {
          const h = byte(b, i) | 32; // lower case for letters
          if (!((h >= 48 && h <= 57) || (h >= 97 && h <= 102))) return UNSURE;
        }
      } else if (
        e !== QUOTE &&
        e !== BACKSLASH &&
        e !== 47 && // /
        e !== 98 && // b
        e !== 102 && // f
        e !== 110 && // n
        e !== 114 && // r
        e !== 116 // t
      )
        return UNSURE;
    } else if (c < 32) return UNSURE;
  }
}

const MAX_DEPTH = 256;

/** Any JSON value at `i` (no leading blanks): the index after it. */
function value(b: Uint8Array, i: number, depth: number): number {
  const c = byte(b, i);
  if (c === QUOTE) return string(b, i + 1);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    if (depth >= MAX_DEPTH) return UNSURE;
    const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
    i = blanks(b, i + 1);
    if (byte(b, i) === close) return i + 1;
    for (;;) {
      if (c === OPEN_OBJECT) {
        if (byte(b, i) !== QUOTE) return UNSURE;
        const keyEnd = key(b, i + 1);
        if (keyEnd === UNSURE) return UNSURE;
        i = blanks(b, keyEnd + 1);
        if (byte(b, i) !== COLON) return UNSURE;
        i = blanks(b, i + 1);
      }
      // a string (most values) read here: a call less per member
      i = byte(b, i) === QUOTE ? string(b, i + 1) : value(b, i, depth + 1);
      if (i === UNSURE) return UNSURE;
      i = blanks(b, i);
      if (byte(b, i) === COMMA) i = blanks(b, i + 1);
      else if (byte(b, i) === close) return i + 1;
      else return UNSURE;
    }
  }
  if (c === 45 || (c >= 48 && c <= 57)) return number(b, i);
  if (c === 116) return word(b, i, TRUE);
  if (c === 102) return word(b, i, FALSE);
  if (c === 110) return word(b, i, NULL);
  return UNSURE;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

function word(b: Uint8Array, i: number, w: Uint8Array): number {
  return i + w.length <= b.length && equals(b, i, i + w.length, w) ? i + w.length : UNSURE;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** JSON's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
function number(b: Uint8Array, i: number): number {
  if (byte(b, i) === 45) i++;
  if (byte(b, i) === 48) i++;
  else if (isDigit(byte(b, i))) while (isDigit(byte(b, i))) i++;
  else return UNSURE;
  if (byte(b, i) === 46) {
    i++;
    if (!isDigit(byte(b, i))) return UNSURE;
    while (isDigit(byte(b, i))) i++;
  }
  if (byte(b, i) === 101 || byte(b, i) === 69) {
    i++;
    if (byte(b, i) === 43 || byte(b, i) === 45) i++;
    if (!isDigit(byte(b, i))) return UNSURE;
    while (isDigit(byte(b, i))) i++;
  }
  return i;
}
