// A job's chunks, cut by BodyCutter from the body's own text (splitRawChunks) or from its cases
// serialized (splitIntoChunks): the chunks of the rule, stated here case by case (chunksOfTheRule),
// and a fallback (undefined) wherever the text's members are not the parsed body's keys in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { casesBodySchema } from '../api/schemas.js';
import { MAX_CHUNK_BYTES, type ChunkText } from './chunk.js';
import { CaseTooLargeError, splitIntoChunks, splitRawChunks } from './submit.js';
import type { Cases } from '../state/case-market-data.js';

/**
 * The rule, on each case serialized alone: a chunk takes cases in body order while it has fewer
 * than `size` and its JSON, with a comma counted after each case, stays within MAX_CHUNK_BYTES.
 */
function chunksOfTheRule(cases: Cases, size: number): ChunkText[] {
  const out: ChunkText[] = [];
  let ids: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (ids.length) out.push({ ids, text: `{${parts.join(',')}}` });
    ids = [];
    parts = [];
    bytes = 2;
  };
  for (const id of Object.keys(cases)) {
    const part = `${JSON.stringify(id)}:${JSON.stringify(cases[id])}`;
    const len = Buffer.byteLength(part);
    if (len + 2 > MAX_CHUNK_BYTES) throw new CaseTooLargeError(id, len);
    if (ids.length >= size || bytes + len + 1 > MAX_CHUNK_BYTES) flush();
    ids.push(id);
    parts.push(part);
    bytes += len + 1;
  }
  flush();
  return out;
}

const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 8,
});
const id = fc.oneof(anyText, fc.string()).filter((k) => k !== '__proto__');
// a case is an object (the body schema's), and a body has one at least
const aCase = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
const body = fc.dictionary(id, aCase, { minKeys: 1, maxKeys: 30 });
const integerLike = (k: string) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

describe('job chunks cut from the body text', () => {
  it('are the chunks of the rule for a compact body, and parse to the right cases when indented', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 7 }), (obj, size) => {
        const cases = JSON.parse(JSON.stringify(obj)) as Cases;
        const ids = Object.keys(cases);
        const compact = splitRawChunks(JSON.stringify(cases), ids, size);
        if (ids.some(integerLike)) {
          // Object.keys lists them first: the text's order differs unless they already lead in order
          if (compact === undefined) return;
        }
        expect(compact).toEqual(chunksOfTheRule(cases, size));
        expect(splitIntoChunks(cases, size)).toEqual(compact);
        const indented = splitRawChunks(JSON.stringify(cases, null, 2), ids, size);
        expect(indented).toBeDefined();
        expect(indented!.flatMap((c) => c.ids)).toEqual(ids);
        for (const c of indented!) {
          const parsed = JSON.parse(c.text) as Cases;
          expect(Object.keys(parsed)).toEqual(c.ids);
          for (const k of c.ids) expect(parsed[k]).toEqual(cases[k]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('fall back when the text is not the parsed keys in order: repeated ids, integer ids after others', () => {
    const repeated = '{"a":{"terms":{"x":"1"}},"b":{"terms":{}},"a":{"terms":{"x":"2"}}}';
    expect(splitRawChunks(repeated, Object.keys(JSON.parse(repeated)), 10)).toBeUndefined();
    const integers = '{"b":{"terms":{}},"2":{"terms":{}}}';
    expect(Object.keys(JSON.parse(integers))).toEqual(['2', 'b']);
    expect(splitRawChunks(integers, ['2', 'b'], 10)).toBeUndefined();
    expect(splitRawChunks('[1]', [], 10)).toBeUndefined();
    // no cases: the body schema's minProperties refuses it before
    expect(splitRawChunks(' { } ', [], 10)).toBeUndefined();
    expect(splitIntoChunks({}, 10)).toEqual([]);
  });

  it('respect MAX_CHUNK_BYTES in UTF-8 bytes as written, and leave a case alone over it to splitIntoChunks', () => {
    const big = (n: number, ch: string) => ({ terms: { pad: ch.repeat(n) } });
    const cases: Cases = { a: big(300_000, 'é'), b: big(300_000, 'é'), c: big(10, 'x') };
    const text = JSON.stringify(cases);
    const chunks = splitRawChunks(text, Object.keys(cases), 100)!;
    expect(chunks.map((c) => c.ids)).toEqual([['a'], ['b', 'c']]);
    for (const c of chunks) expect(Buffer.byteLength(c.text)).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    expect(chunks).toEqual(splitIntoChunks(cases, 100));
    expect(chunks).toEqual(chunksOfTheRule(cases, 100));
    const spaced = `{"a": ${JSON.stringify(big(MAX_CHUNK_BYTES - 40, 'x'))}${' '.repeat(100)}}`;
    expect(splitRawChunks(spaced.replace('{"a": {', '{"a": {' + ' '.repeat(100)), ['a'], 10)).toBeUndefined();
    // alone over it, compact: the 413's error names the case (its id decoded) and its bytes
    const huge: Cases = { ok: big(1, 'x'), 'q"é': big(MAX_CHUNK_BYTES, 'x') };
    const error = (() => {
      try {
        splitIntoChunks(huge, 10);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CaseTooLargeError);
    expect(error).toMatchObject({
      caseId: 'q"é',
      bytes: Buffer.byteLength(`"q\\"é":${JSON.stringify(huge['q"é'])}`),
    });
    expect(() => chunksOfTheRule(huge, 10)).toThrow((error as Error).message);
  });

  it('cut a compact body in two from MAX_CHUNK_BYTES on, with a comma counted after each case', () => {
    for (const total of [MAX_CHUNK_BYTES - 1, MAX_CHUNK_BYTES, MAX_CHUNK_BYTES + 1]) {
      // {"a":{"terms":{"p":"…"}},"b":{"terms":{"p":"…"}}} of `total` bytes
      const fixed = JSON.stringify({ a: { terms: { p: '' } }, b: { terms: { p: '' } } }).length;
      const cases: Cases = {
        a: { terms: { p: 'x'.repeat(1000) } },
        b: { terms: { p: 'y'.repeat(total - fixed - 1000) } },
      };
      const text = JSON.stringify(cases);
      expect(text.length).toBe(total);
      const chunks = splitRawChunks(text, ['a', 'b'], 10);
      expect(chunks!.map((c) => c.ids)).toEqual(total < MAX_CHUNK_BYTES ? [['a', 'b']] : [['a'], ['b']]);
      expect(chunks).toEqual(splitIntoChunks(cases, 10));
      expect(chunks).toEqual(chunksOfTheRule(cases, 10));
    }
  });

  it('rely on a body schema that changes nothing it validates (no defaults, no removed properties)', () => {
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      expect(o).not.toHaveProperty('default');
      expect(o.additionalProperties).not.toBe(false);
      Object.values(o).forEach(walk);
    };
    walk(casesBodySchema);
  });
});
