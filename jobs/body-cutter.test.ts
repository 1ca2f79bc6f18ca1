// A body cut while it streams in: the chunks of splitRawChunks on the whole text, whatever the
// pieces it arrives in, and irregular (parsed whole instead) wherever the whole-body path would
// answer differently. A text checked whole already is cut alike, in any pieces too.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bookContract } from '../bench/engine.js';
import { routeParserAndValidator } from '../bench/job-body.js';
import { BodyCutter } from './body-cutter.js';
import type { ChunkChecks } from './chunk-check.js';
import { MAX_CHUNK_BYTES, type ChunkText, type CutChunk } from './chunk.js';
import { quickCheckCases } from './chunk-check.js';
import { splitRawChunks } from './submit.js';

/** The test's schema: a case holding the string "bad" is refused. */
const parse = (text: string) => JSON.parse(text) as object;
const valid = (cases: object) => !Object.values(cases).some((c) => JSON.stringify(c).includes('"bad"'));

interface CutOptions {
  chunkSize?: number;
  maxCases?: number;
  /** The route's parser and validator, with or without the quick check (else the test's). */
  route?: { quickCheck: boolean };
}

let route: Pick<ChunkChecks, 'parse' | 'valid'>;
let routeParses = 0;
beforeAll(async () => {
  const { parse, valid } = await routeParserAndValidator();
  route = {
    parse: (text) => (routeParses++, parse(text)),
    valid,
  };
});

function cut(body: string | Buffer, cuts: number[], o: CutOptions = {}) {
  const cutter = new BodyCutter({
    chunkSize: o.chunkSize ?? 3,
    maxCases: o.maxCases ?? 1000,
    check: { ...(o.route ? route : { parse, valid }), quickCheck: o.route?.quickCheck ? quickCheckCases : undefined },
  });
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const chunks: CutChunk[] = [];
  let at = 0;
  for (const c of [...cuts.filter((c) => c < bytes.length)].sort((a, b) => a - b)) {
    chunks.push(...cutter.push(bytes.subarray(at, c)));
    at = c;
  }
  chunks.push(...cutter.push(bytes.subarray(at)));
  const last = cutter.end();
  // as splitRawChunks gives them, the bytes decoded
  const texts = (cs: CutChunk[]): ChunkText[] => cs.map((c) => ({ ids: c.ids, text: c.bytes.toString('utf8') }));
  return { irregular: cutter.irregular, chunks: last ? texts([...chunks, ...last]) : undefined };
}

const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 8,
});
const integerLike = (k: string) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;
const id = fc.oneof(anyText, fc.string()).filter((k) => k !== '__proto__' && !integerLike(k));
const aCase = fc.record({ terms: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })) });
const body = fc.dictionary(id, aCase, { minKeys: 1, maxKeys: 25 });
const pieces = fc.array(fc.nat({ max: 4000 }), { maxLength: 12 });

/** A text checked whole already, cut unchecked in pieces at `cuts`. */
function cutUnchecked(text: string, cuts: number[], o: { chunkSize: number; bytes: boolean }) {
  const cutter = new BodyCutter({ chunkSize: o.chunkSize, maxCases: Infinity, bytes: o.bytes });
  const bytes = Buffer.from(text);
  const chunks: CutChunk[] = [];
  let at = 0;
  for (const c of [...new Set(cuts)].filter((c) => c < bytes.length).sort((a, b) => a - b)) {
    chunks.push(...cutter.push(bytes.subarray(at, c)));
    at = c;
  }
  chunks.push(...cutter.push(bytes.subarray(at)));
  const last = cutter.end();
  const plain = (c: CutChunk) => ({ ...c, bytes: c.bytes.toString() });
  return { irregular: cutter.irregular, chunks: last && [...chunks, ...last].map(plain) };
}

describe('a job body cut while it streams in', () => {
  it('gives the chunks of splitRawChunks on the whole text, in any pieces, compact or indented', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 6 }), pieces, fc.boolean(), (cases, size, cuts, indent) => {
        // the test's check refuses cases holding the string "bad": none generated here
        fc.pre(!JSON.stringify(cases).includes('"bad"'));
        const text = indent ? JSON.stringify(cases, null, 2) : JSON.stringify(cases);
        const r = cut(text, cuts, { chunkSize: size });
        expect(r.irregular).toBeUndefined();
        expect(r.chunks).toEqual(splitRawChunks(text, Object.keys(JSON.parse(text)), size));
      }),
      { numRuns: 500 },
    );
  });

  it('cuts at MAX_CHUNK_BYTES counted in UTF-8 bytes as written, one byte at a time too', () => {
    const big = (n: number, ch: string) => ({ terms: { pad: ch.repeat(n) } });
    const text = JSON.stringify({ a: big(300_000, 'é'), b: big(300_000, 'é'), c: big(10, 'x') });
    const whole = splitRawChunks(text, ['a', 'b', 'c'], 100)!;
    expect(whole.map((c) => c.ids)).toEqual([['a'], ['b', 'c']]);
    expect(cut(text, [1, 2, 3, 600_001, 600_002, 1_000_000], { chunkSize: 100 }).chunks).toEqual(whole);
    const small = '{"x" : {"terms":{"k":"\\"}é"}} ,\n "y\\u0041":{"terms":[]}}';
    const bytewise = cut(
      small,
      Array.from({ length: Buffer.byteLength(small) }, (_, i) => i),
      { chunkSize: 1 },
    );
    expect(bytewise.chunks).toEqual(splitRawChunks(small, ['x', 'yA'], 1));
  });

  it('is irregular wherever the whole-body path answers otherwise', () => {
    const ok = '{"terms":{}}';
    const irregular = (text: string | Buffer, o: { chunkSize?: number; maxCases?: number } = {}) => {
      const r = cut(text, [5, 17], o);
      expect(r.chunks, String(text)).toBeUndefined();
      return r.irregular;
    };
    expect(irregular(`{"a":${ok},"b":${ok},"a":${ok}}`)).toBe('a repeated id');
    expect(irregular(`{"a":${ok},"7":${ok}}`)).toBe('an integer-like id');
    expect(irregular(`{"a":${ok},"__proto__":${ok}}`)).toBe('a __proto__ id');
    expect(irregular(`{"a":${ok},"b":${ok},"c":${ok}}`, { maxCases: 2 })).toBe(
      'over the contracts per request',
    );
    expect(irregular(`{"a":${ok},"b":{"terms":"bad"}}`, { chunkSize: 1 })).toBe('invalid cases');
    expect(irregular(`{"a":${ok},"b":[]}`)).toBe('a case that is not an object');
    expect(irregular(`{"a":${ok}}}`)).toBe('text after the body');
    expect(irregular(`{"a":${ok},}`)).toBe('expected a case id');
    expect(irregular(`{"a" ${ok}}`)).toBe("expected ':'");
    expect(irregular(`{"a":${ok}`)).toBe('incomplete JSON');
    expect(irregular('{}')).toBe('no cases');
    expect(irregular('')).toBe('incomplete JSON');
    expect(irregular('[1]')).toBe('not an object');
    expect(irregular(`\uFEFF{"a":${ok}}`)).toBe('not an object');
    // JSON the scanner passes and the parse refuses: the whole-body path gives the 400
    expect(irregular(`{"a":{"terms":{"x":tru}}}`)).toMatch(/unreadable|invalid/);
    const notUtf8 = Buffer.concat([
      Buffer.from('{"a":{"terms":{"x":"'),
      Buffer.from([0xff]),
      Buffer.from('"}}}'),
    ]);
    expect(irregular(notUtf8)).toBe('text that is not UTF-8');
    const huge = `{"a":{"terms":{"pad":"${'x'.repeat(MAX_CHUNK_BYTES)}"}}}`;
    expect(irregular(huge)).toBe('a case over MAX_CHUNK_BYTES');
  });

  it('holds only the bytes of the chunk being filled', () => {
    const cutter = new BodyCutter({ chunkSize: 2, maxCases: 100, check: { parse, valid } });
    const piece = (i: number) =>
      Buffer.from(`${i ? ',' : '{'}"c${i}":{"terms":{"pad":"${'x'.repeat(10_000)}"}}`);
    const cutAt: number[] = [];
    for (let i = 0; i < 50; i++) if (cutter.push(piece(i)).length) cutAt.push(i);
    // a chunk of two is cut when the case after it ends
    expect(cutAt.slice(0, 3)).toEqual([2, 4, 6]);
    const held = (cutter as unknown as { pieces: Buffer[] }).pieces.reduce((n, p) => n + p.length, 0);
    expect(held).toBeLessThan(3 * 10_100);
    expect(cutter.push(Buffer.from('}'))).toEqual([]);
    expect(cutter.end()!.map((c) => c.ids)).toEqual([['c48', 'c49']]);
  });

  it('finds a repeated id in any chunk, among many ids and long ones', () => {
    const ok = '{"terms":{}}';
    const body = (ids: string[]) => `{${ids.map((id) => `${JSON.stringify(id)}:${ok}`).join(',')}}`;
    const many = Array.from({ length: 20_000 }, (_, i) => `id-${i}`);
    const options = { chunkSize: 1000, maxCases: 100_000, route: { quickCheck: true } };
    expect(cut(body(many), [65_536], options).irregular).toBeUndefined();
    expect(cut(body([...many, 'id-17']), [65_536], options).irregular).toBe('a repeated id');
    expect(cut(body(['x', ...many, 'x']), [65_536], options).irregular).toBe('a repeated id');
    const long = 'é'.repeat(70_000);
    expect(cut(body([long, `${long}!`, long.slice(1)]), [], options).irregular).toBeUndefined();
    expect(cut(body([long, 'a', long]), [], { ...options, chunkSize: 1 }).irregular).toBe('a repeated id');
  });
});

// The quick check runs case by case as the cutter scans (each byte read once): its chunks, ids
// and irregular bodies are those of parsing and validating every chunk, as the route would.
describe('a job body cut with the quick check', () => {
  const plain = fc.stringMatching(/^[a-zA-Z0-9 é😀_-]{0,6}$/u);
  const id = fc.oneof(
    { weight: 8, arbitrary: plain },
    { weight: 2, arbitrary: anyText },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '1', '01', 'a') },
  );
  const commonCase = fc.record(
    {
      terms: fc.dictionary(plain, fc.oneof(plain, fc.jsonValue({ maxDepth: 2 }))),
      // now and then what the schema refuses, or what the check leaves to it
      identifier: fc.oneof({ weight: 9, arbitrary: plain }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
      to: plain,
      results: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }),
      dataObserved: fc.oneof(
        { weight: 9, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
      ),
      other: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ['terms'] },
  );
  const aCase = fc.oneof({ weight: 9, arbitrary: commonCase }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
  const edit = fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...'{}[]":,\\ \n0e-tu\u0001\u00e9x'));
  // written by hand: ids may repeat; then bytes changed, cut or inserted now and then
  const text = fc
    .tuple(
      fc.array(fc.tuple(id, aCase), { minLength: 1, maxLength: 8 }),
      fc.boolean(),
      fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(edit, { maxLength: 2 }) }),
    )
    .map(([cases, indent, edits]) => {
      const members = cases.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v, null, indent ? 2 : 0)}`);
      let t = indent ? `{\n  ${members.join(',\n  ')}\n}` : `{${members.join(',')}}`;
      for (const [at, kind, ch] of edits) {
        const i = at % (t.length + 1);
        t = [t.slice(0, i) + ch + t.slice(i + 1), t.slice(0, i) + ch + t.slice(i), t.slice(0, i) + t.slice(i + 1), t][
          kind
        ];
      }
      return t;
    });

  it('cuts what parsing every chunk cuts, refuses what it refuses, in any pieces', () => {
    let regular = 0;
    fc.assert(
      fc.property(
        text,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 30 }),
        pieces,
        (t, size, max, cuts) => {
          const o = { chunkSize: size, maxCases: max };
          const checked = cut(t, cuts, { ...o, route: { quickCheck: true } });
          expect(checked).toEqual(cut(t, cuts, { ...o, route: { quickCheck: false } }));
          if (checked.irregular === undefined) regular++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(regular).toBeGreaterThan(300);
  });

  it("parses nothing of the API benchmark's book, whatever the pieces it arrives in", () => {
    const cases: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) cases[`c${i}`] = { terms: bookContract('PAM', i) };
    const text = JSON.stringify(cases);
    const whole = splitRawChunks(text, Object.keys(cases), 100);
    for (const size of [65_536, 1000, 7, 1]) {
      const cuts = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => i * size);
      routeParses = 0;
      const r = cut(text, cuts, { chunkSize: 100, route: { quickCheck: true } });
      expect(r.chunks).toEqual(whole);
      expect(routeParses).toBe(0);
    }
  });
});

describe('a text checked whole, cut unchecked', () => {
  it('is cut alike in any pieces, its chunks where they lie when it makes no bytes, even broken', () => {
    const edit = fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...'{}[]":,\\ \n1x'));
    fc.assert(
      fc.property(
        body,
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        pieces,
        fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(edit, { maxLength: 2 }) }),
        (cases, indent, size, cuts, edits) => {
          let text = indent ? JSON.stringify(cases, null, 2) : JSON.stringify(cases);
          for (const [at, kind, ch] of edits) {
            const i = at % (text.length + 1);
            text = [
              text.slice(0, i) + ch + text.slice(i + 1),
              text.slice(0, i) + ch + text.slice(i),
              text.slice(0, i) + text.slice(i + 1),
              text,
            ][kind];
          }
          const whole = cutUnchecked(text, [], { chunkSize: size, bytes: true });
          expect(cutUnchecked(text, cuts, { chunkSize: size, bytes: true })).toEqual(whole);
          const placed = cutUnchecked(text, cuts, { chunkSize: size, bytes: false });
          expect(placed.irregular).toEqual(whole.irregular);
          expect(placed.chunks).toEqual(whole.chunks?.map((c) => ({ ...c, bytes: '' })));
          if (!edits.length) {
            expect(whole.irregular).toBeUndefined();
            // a chunk's bytes are `{` + the text's from start to end + `}`
            const bytes = Buffer.from(text);
            for (const c of whole.chunks!) expect(c.bytes).toBe(`{${bytes.toString('utf8', c.start, c.end)}}`);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
