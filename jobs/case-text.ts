// A case `"<id>":{…}` in the UTF-8 bytes of a JSON text of cases: where it ends, and its id
// (jobs/body-cutter.ts cuts chunks with them). Pure.
import { UNSURE } from './chunk-check.js';
import * as jsonBytes from './json-bytes.js';

// constants of this module's own, for the scan below (jobs/json-bytes.ts says why)
const { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, isBlank, OPEN_ARRAY, OPEN_OBJECT, QUOTE } = jsonBytes;

/**
 * Where the case `"<id>":{…}` whose id's opening quote is at `at` ends in a text known to be JSON
 * (checked whole): the index after its `}`; UNSURE when `b` ends first or the case is not an
 * object (the scan byte by byte then decides). Only strings and nesting matter, as in that scan.
 */
export function caseEnd(b: Uint8Array, at: number): number {
  const n = b.length;
  let i = at + 1;
  for (;;) {
    if (i >= n) return UNSURE;
    const c = b[i++];
    if (c === QUOTE) break;
    if (c === BACKSLASH) i++;
  }
  while (i < n && isBlank(b[i])) i++;
  if (i >= n || b[i++] !== COLON) return UNSURE;
  while (i < n && isBlank(b[i])) i++;
  if (i >= n || b[i] !== OPEN_OBJECT) return UNSURE;
  let depth = 0;
  while (i < n) {
    const c = b[i++];
    if (c === QUOTE) {
      for (;;) {
        if (i >= n) return UNSURE;
        const s = b[i++];
        if (s === QUOTE) break;
        if (s === BACKSLASH) i++;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) return i;
  }
  return UNSURE;
}

/** The keys of a chunk's `count` cases, their bytes at `bounds` in `bytes`. */
export function keysOf(bytes: Buffer, bounds: readonly number[], count: number, ascii: boolean): string[] {
  const keys = new Array<string>(count);
  const encoding = ascii ? 'latin1' : 'utf8';
  for (let k = 0; k < count; k++) keys[k] = keyOf(bytes.toString(encoding, bounds[2 * k], bounds[2 * k + 1]));
  return keys;
}

/** A key as written between its quotes, its escapes decoded (as JSON: throws on a bad one). */
export const keyOf = (written: string) => (written.includes('\\') ? (JSON.parse(`"${written}"`) as string) : written);
