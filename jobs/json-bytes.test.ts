import { describe, expect, it } from 'vitest';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isBlank, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './json-bytes.js';

describe('isBlank', () => {
  it("is JSON's four whitespace bytes and nothing else", () => {
    const blanks = Array.from({ length: 256 }, (_, c) => c).filter(isBlank);
    expect(blanks).toEqual([9, 10, 13, 32]);
  });
});

describe('the structural bytes', () => {
  it("are the UTF-8 bytes of JSON's structural characters", () => {
    const named = { QUOTE, BACKSLASH, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COLON, COMMA };
    expect(Buffer.from(Object.values(named)).toString('utf8')).toBe('"\\{}[]:,');
  });
});
