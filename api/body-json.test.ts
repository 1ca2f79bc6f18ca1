// Request bodies: nesting bounded, __proto__ and constructor keys refused with messages that say so.
import { describe, expect, it } from 'vitest';
import {
  BodyJsonError,
  depthExceededAt,
  forbiddenKeyAt,
  MAX_BODY_DEPTH,
  parseJsonBody,
} from './body-json.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const refusal = (text: string) => {
  try {
    parseJsonBody(text);
  } catch (e) {
    expect(e).toBeInstanceOf(BodyJsonError);
    return { message: (e as BodyJsonError).message, field: (e as BodyJsonError).field };
  }
  throw new Error('accepted');
};

describe('request bodies', () => {
  it('counts nesting of objects and arrays, not brackets inside strings', () => {
    expect(depthExceededAt(bytes('{"a":[{"b":1}]}'), 3)).toBe(-1);
    // the fourth level opens at byte 11: {"a":[{"b":[
    expect(depthExceededAt(bytes('{"a":[{"b":[1]}]}'), 3)).toBe(11);
    expect(depthExceededAt(bytes('{"a":"[[[[{{{{\\"[[[["}'), 1)).toBe(-1);
    expect(depthExceededAt(bytes('["é€😀",["x"]]'), 1)).toBe(13);
  });

  it('refuses a body nested 20,000 deep with a 400 naming the limit, and accepts 64 levels', () => {
    const deep = `{"a":{"terms":${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`;
    // the 65th level: after {"a": (5 bytes), {"terms": (9 bytes), 62 levels of {"x": (5 bytes each)
    const r = refusal(deep);
    expect(r.message).toBe(
      'body nested deeper than 64 levels of objects and arrays (at byte 324): cases, terms and market data need far fewer',
    );
    // 64 levels exactly: the 64th object opens and closes
    const at64 = `${'{"x":'.repeat(63)}{}${'}'.repeat(63)}`;
    expect(MAX_BODY_DEPTH).toBe(64);
    expect(parseJsonBody(at64)).toBeTypeOf('object');
    expect(refusal(`[${at64}]`).message).toMatch(/deeper than 64 levels/);
  });

  it('refuses __proto__ and constructor keys at any depth, written plainly or escaped, naming where', () => {
    expect(refusal('{"a":{"terms":{"__proto__":{"x":1}}}}')).toEqual({
      message:
        'keys named __proto__ or constructor (with or without prototype) are not accepted, at any depth: found /a/terms/__proto__',
      field: '/a/terms/__proto__',
    });
    expect(refusal('{"a":{"terms":{"constructor":{"prototype":{"x":1}}}}}').field).toBe(
      '/a/terms/constructor',
    );
    expect(refusal('{"__proto__":{"terms":{}}}').field).toBe('/__proto__');
    expect(refusal('{"a":{"dataObserved":{"s":{"data":[{"\\u005f_proto__":1}]}}}}').field).toBe(
      '/a/dataObserved/s/data/0/__proto__',
    );
    expect(refusal('{"a/b~c":{"constructor":1}}').field).toBe('/a~1b~0c/constructor');
    // the words as values, or inside longer keys, are fine
    expect(parseJsonBody('{"constructor_x":{"v":"__proto__"},"prototype":1}')).toEqual({
      constructor_x: { v: '__proto__' },
      prototype: 1,
    });
    expect(forbiddenKeyAt([1, 'constructor', { a: null }])).toBeUndefined();
  });

  it('says where JSON is malformed', () => {
    expect(refusal('{"a":').message).toMatch(/^body is not valid JSON: /);
    expect(refusal('').message).toMatch(/^body is not valid JSON: /);
  });
});
