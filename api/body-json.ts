// Request bodies as JSON, parsed under two rules every later step relies on:
// - nesting at most MAX_BODY_DEPTH levels. Test bed cases need about ten (a composite's
//   contractStructure holds terms that hold a contractStructure...), and every walk over a body
//   (the results cache key, the schema validator, the engine's terms parser) recurses: a body
//   nested 20,000 deep exceeded the call stack there and was answered 500.
// - no key `__proto__` or `constructor` at any depth: such keys could alter object prototypes
//   wherever a body is merged into another object. Fastify's parser (secure-json-parse) refused
//   them too, but answered "Body is not valid JSON", which says nothing of what is wrong.
// Both are answered 400 with a message naming the rule and where it was broken. Pure.
import * as jsonBytes from '../jobs/json-bytes.js';

/** Deepest nesting of objects and arrays a body may have. */
export const MAX_BODY_DEPTH = 64;

// constants of this module's own, for the scan below (jobs/json-bytes.ts says why)
const { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, OPEN_ARRAY, OPEN_OBJECT, QUOTE } = jsonBytes;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/** A body that is not JSON or breaks a rule above: 400, with the field (JSON pointer) concerned. */
export class BodyJsonError extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'BodyJsonError';
  }
}

/**
 * The byte offset where the nesting of `bytes` first exceeds `max` levels, or -1. Reads JSON
 * text as UTF-8 bytes (a multi-byte character never contains an ASCII byte) and skips strings.
 * Malformed text is JSON.parse's to report: this only counts brackets.
 */
export function depthExceededAt(bytes: Uint8Array, max = MAX_BODY_DEPTH): number {
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      // to the closing quote, over escapes
      for (i++; i < n; i++) {
        const s = bytes[i];
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return i;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return -1;
}

/** JSON pointer escaping of one key (RFC 6901). */
const pointerToken = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** The JSON pointer of the first `__proto__` or `constructor` key in `value`, or undefined. */
export function forbiddenKeyAt(value: unknown): string | undefined {
  // breadth first without recursion: the depth is bounded, but a wide body must not cost frames
  const queue: { node: object; path: string }[] = [];
  if (value !== null && typeof value === 'object') queue.push({ node: value, path: '' });
  for (let q = 0; q < queue.length; q++) {
    const { node, path } = queue[q];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (v !== null && typeof v === 'object') queue.push({ node: v, path: `${path}/${i}` });
      }
      continue;
    }
    for (const k of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(k)) return `${path}/${pointerToken(k)}`;
      const v: unknown = (node as Record<string, unknown>)[k];
      if (v !== null && typeof v === 'object') queue.push({ node: v, path: `${path}/${pointerToken(k)}` });
    }
  }
  return undefined;
}

// the keys as they may be written: plainly or with a \u escape anywhere (`"\u005f_proto__"`)
const SUSPECT = /__proto__|constructor|\\u/;

/** Parses a request body; throws BodyJsonError (400) for anything the rules above refuse. */
export function parseJsonBody(text: string, bytes?: Uint8Array): unknown {
  const at = depthExceededAt(bytes ?? Buffer.from(text, 'utf8'));
  if (at >= 0)
    throw new BodyJsonError(
      `body nested deeper than ${MAX_BODY_DEPTH} levels of objects and arrays (at byte ${at}): cases, terms and market data need far fewer`,
      '/',
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BodyJsonError(`body is not valid JSON: ${(e as Error).message}`, '/');
  }
  // a scan of the parsed body only when its text could hold such a key
  if (SUSPECT.test(text)) {
    const field = forbiddenKeyAt(value);
    if (field !== undefined)
      throw new BodyJsonError(
        `keys named __proto__ or constructor (with or without prototype) are not accepted, at any depth: found ${field}`,
        field,
      );
  }
  return value;
}
