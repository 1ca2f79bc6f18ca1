// Cutting a job's chunks from the body's own text (splitRawChunks): the same chunks as
// serializing every case again (splitIntoChunks) whenever it applies, and a fallback (undefined)
// wherever the text's members are not the parsed body's keys in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { casesBodySchema } from './schemas.js';
import { MAX_CHUNK_BYTES, splitIntoChunks, splitRawChunks } from './jobs.js';
import type { Cases } from './compute.js';

const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 8,
});
const id = fc.oneof(anyText, fc.string()).filter((k) => k !== '__proto__');
const body = fc.dictionary(id, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 30 });
const integerLike = (k: string) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

describe('job chunks cut from the body text', () => {
  it('are the chunks of splitIntoChunks for a compact body, and parse to the right cases when indented', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 7 }), (obj, size) => {
        const cases = JSON.parse(JSON.stringify(obj)) as Cases;
        const ids = Object.keys(cases);
        const compact = splitRawChunks(JSON.stringify(cases), ids, size);
        if (ids.some(integerLike)) {
          // Object.keys lists them first: the text's order differs unless they already lead in order
          if (compact === undefined) return;
        }
        expect(compact).toEqual(splitIntoChunks(cases, size));
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
    expect(splitRawChunks(' { } ', [], 10)).toEqual([]);
  });

  it('respect MAX_CHUNK_BYTES in UTF-8 bytes as written, and leave a case alone over it to splitIntoChunks', () => {
    const big = (n: number, ch: string) => ({ terms: { pad: ch.repeat(n) } });
    const cases: Cases = { a: big(300_000, 'é'), b: big(300_000, 'é'), c: big(10, 'x') };
    const text = JSON.stringify(cases);
    const chunks = splitRawChunks(text, Object.keys(cases), 100)!;
    expect(chunks.map((c) => c.ids)).toEqual([['a'], ['b', 'c']]);
    for (const c of chunks) expect(Buffer.byteLength(c.text)).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    expect(chunks).toEqual(splitIntoChunks(cases, 100));
    const spaced = `{"a": ${JSON.stringify(big(MAX_CHUNK_BYTES - 40, 'x'))}${' '.repeat(100)}}`;
    expect(splitRawChunks(spaced.replace('{"a": {', '{"a": {' + ' '.repeat(100)), ['a'], 10)).toBeUndefined();
  });

  it('cut a compact body at exactly the byte where splitIntoChunks does', () => {
    for (const total of [MAX_CHUNK_BYTES - 1, MAX_CHUNK_BYTES, MAX_CHUNK_BYTES + 1]) {
      // {"a":{"terms":{"p":"…"}},"b":{"terms":{"p":"…"}}} of `total` bytes
      const fixed = JSON.stringify({ a: { terms: { p: '' } }, b: { terms: { p: '' } } }).length;
      const cases: Cases = {
        a: { terms: { p: 'x'.repeat(1000) } },
        b: { terms: { p: 'y'.repeat(total - fixed - 1000) } },
      };
      const text = JSON.stringify(cases);
      expect(text.length).toBe(total);
      expect(splitRawChunks(text, ['a', 'b'], 10)).toEqual(splitIntoChunks(cases, 10));
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
