// The quick check of a job chunk: whenever it gives ids, Fastify's JSON parser and the route's
// body validator (the whole-body path) accept the text and its keys are those ids; it is unsure of
// anything else, and it is sure of the common shape (so the API does skip the parse).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bookContract } from '../bench/engine.js';
import { routeParserAndValidator } from '../bench/job-body.js';
import { quickCheckCases, UNSURE } from './chunk-check.js';

let parse: (text: string) => object;
let valid: (cases: unknown) => boolean;

beforeAll(async () => {
  // the parser and validator of the route, as api/server.ts gets them
  ({ parse, valid } = await routeParserAndValidator());
});

/** What the whole-body path makes of a text: its keys when parsed and valid. */
function accepted(text: string): string[] | undefined {
  try {
    const cases = parse(text);
    return valid(cases) ? Object.keys(cases) : undefined;
  } catch {
    return undefined;
  }
}

const check = (text: string) => quickCheckCases(Buffer.from(text, 'utf8'));

const anyText = fc.string({ unit: 'binary', maxLength: 8 });
const member = fc.oneof(
  fc.constantFrom('terms', 'identifier', 'to', 'results', 'dataObserved', 'eventsObserved', 'constructor', 'x'),
  anyText,
);
const anyCase = fc.oneof(
  fc.record(
    {
      terms: fc.oneof(fc.dictionary(anyText, fc.jsonValue({ maxDepth: 3 })), fc.jsonValue({ maxDepth: 1 })),
      identifier: fc.oneof(anyText, fc.jsonValue({ maxDepth: 1 })),
      to: fc.oneof(anyText, fc.integer()),
      results: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.string()),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(member, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);
// mostly the common shape, so that the check is often sure
const plain = fc.stringMatching(/^[a-zA-Z0-9 é😀_-]{0,8}$/u);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(plain, tie('json'), { maxKeys: 3 }),
  ),
}));
const commonCase = fc.record(
  {
    terms: fc.dictionary(plain, fc.oneof(plain, json)),
    identifier: plain,
    to: plain,
    results: fc.array(json, { maxLength: 2 }),
    other: json,
  },
  { requiredKeys: ['terms'] },
);
const anyChunk = fc.oneof(
  fc.dictionary(fc.oneof(anyText, fc.constantFrom('__proto__', '1')), anyCase, { maxKeys: 6 }),
  fc.dictionary(fc.oneof(plain, fc.constantFrom('1', '__proto__')), fc.oneof(commonCase, commonCase, anyCase), {
    minKeys: 1,
    maxKeys: 6,
  }),
);

describe('the quick check of a job chunk', () => {
  it('is sure only of what the whole-body path accepts, with its keys as ids, in any spacing', () => {
    let sure = 0;
    fc.assert(
      fc.property(anyChunk, fc.boolean(), (cases, indent) => {
        const text = indent ? JSON.stringify(cases, null, 2) : JSON.stringify(cases);
        const ids = check(text);
        if (ids !== undefined) {
          sure++;
          expect(accepted(text)).toEqual(ids);
        }
      }),
      { numRuns: 2000 },
    );
    expect(sure).toBeGreaterThan(100);
  });

  it('is sure only of what the whole-body path accepts, in texts with bytes changed, cut or inserted', () => {
    const base = JSON.stringify({
      a: { terms: { x: '1', n: -1.5e-3, t: true, f: false, z: null, arr: [1, [], {}, 'é\\"'] }, to: '' },
      'b é': { identifier: 'i', terms: {}, results: [], other: { k: [0] } },
    });
    const bytes = [...'{}[]":,\\ \t\n-+.0123456789eEtrufalsn\u0001\u00e9x'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length), fc.nat(3), fc.constantFrom(...bytes)), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) => {
          let text = base;
          for (const [at, kind, ch] of edits)
            text =
              kind === 0
                ? text.slice(0, at) + ch + text.slice(at + 1)
                : kind === 1
                  ? text.slice(0, at) + ch + text.slice(at)
                  : kind === 2
                    ? text.slice(0, at) + text.slice(at + 1)
                    : text.slice(0, at);
          const ids = check(text);
          if (ids !== undefined) expect(accepted(text)).toEqual(ids);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('checks a case from its own bytes, whatever follows, and is unsure of any part of it', () => {
    const { eachCase } = quickCheckCases;
    const caseText = fc.tuple(fc.oneof(plain, anyText, fc.constant('__proto__')), fc.oneof(commonCase, anyCase));
    let sure = 0;
    fc.assert(
      fc.property(caseText, fc.boolean(), fc.nat(), ([id, c], indent, cut) => {
        const text = `${JSON.stringify(id)}${indent ? ' : ' : ':'}${JSON.stringify(c, null, indent ? 2 : 0)}`;
        const bytes = Buffer.from(text);
        const end = eachCase(bytes, 0);
        // the case as a chunk of its own
        expect(end !== UNSURE).toBe(check(`{${text}}`) !== undefined);
        if (end !== UNSURE) {
          sure++;
          expect(end).toBe(bytes.length);
        }
        for (const after of [',', '}', ' x', '"', '{}'])
          expect(eachCase(Buffer.concat([Buffer.from('{ '), bytes, Buffer.from(after)]), 2)).toBe(
            end === UNSURE ? UNSURE : end + 2,
          );
        expect(eachCase(bytes.subarray(0, cut % bytes.length), 0)).toBe(UNSURE);
      }),
      { numRuns: 2000 },
    );
    expect(sure).toBeGreaterThan(200);
  });

  it("is sure of the API benchmark's book, ids in order", () => {
    const cases: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) cases[`job-${i}`] = { terms: bookContract('PAM', i) };
    const text = JSON.stringify(cases);
    expect(check(text)).toEqual(Object.keys(cases));
    expect(check(JSON.stringify(cases, null, '\t'))).toEqual(Object.keys(cases));
  });

  it('leaves to the parser and validator what it cannot be sure of', () => {
    const unsure = [
      '{}', // no cases: the schema's minProperties
      '{"a":{}}', // no terms
      '{"a":{"terms":[]}}',
      '{"a":{"terms":{},"terms":{}}}', // JSON.parse keeps the last
      '{"a":{"terms":{},"identifier":1}}',
      '{"a":{"terms":{},"to":null}}',
      '{"a":{"terms":{},"results":{}}}',
      '{"a":{"terms":{},"dataObserved":{}}}', // constrained deeper: validated as before
      '{"a":{"terms":{},"eventsObserved":[]}}',
      '{"a\\u0062":{"terms":{}}}', // an escape in a key
      '{"a":{"terms":{"__proto__":1}}}',
      '{"a":{"terms":{"constructor":{"prototype":1}}}}',
      '{"__proto__":{"terms":{}}}',
      '{"a":{"terms":{"k":"tab\there"}}}',
      '{"a":{"terms":{"k":01}}}',
      '{"a":{"terms":{"k":1.}}}',
      '{"a":{"terms":{"k":[1,]}}}',
      '{"a":{"terms":{"k":"\\x"}}}',
      '{"a":{"terms":{"k":tru}}}',
      '{"a":{"terms":{}}} x',
      '{"a":{"terms":{}}',
      `{"a":{"terms":${'['.repeat(300)}${']'.repeat(300)}}}`, // deeper than it follows
    ];
    for (const text of unsure) expect(check(text), text).toBeUndefined();
    // ...though the parser and validator accept some of them (then they decide, as before)
    expect(accepted('{"a":{"terms":{},"terms":{}}}')).toEqual(['a']);
    expect(accepted('{"a\\u0062":{"terms":{}}}')).toEqual(['ab']);
    expect(check('{"a":{"terms":{"k":"\\u00e9\\n","n":[-0,1e5,2E-1,true,false,null]},"x":{}}}')).toEqual(['a']);
  });
});
