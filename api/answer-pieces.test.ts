import { describe, expect, it } from 'vitest';
import { AnswerPieces } from './answer-pieces.js';

describe('AnswerPieces', () => {
  it('keeps a large piece as it is and gathers the small ones around it, bytes and length unchanged', () => {
    const big = Buffer.alloc(200_000, 'x');
    const a = new AnswerPieces();
    a.push(Buffer.from('{"a":'));
    a.push(big);
    a.push(Buffer.from(',"b":'));
    a.push(Buffer.from('[]'));
    a.push(Buffer.from('}\n'));
    const pieces = a.pieces();
    expect(pieces.map((p) => p.length)).toEqual([5, 200_000, 9]);
    expect(pieces[1]).toBe(big);
    expect(Buffer.concat(pieces).toString()).toBe(`{"a":${'x'.repeat(200_000)},"b":[]}\n`);
    expect(a.length).toBe(200_014);
  });

  it('gathers many small pieces into writes of at least 64 KB, none lost', () => {
    const a = new AnswerPieces();
    const want: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const s = `${i ? ',' : '{'}"c${i}":[${i}]`;
      want.push(s);
      a.push(Buffer.from(s));
    }
    const pieces = a.pieces();
    expect(Buffer.concat(pieces).toString()).toBe(want.join(''));
    expect(pieces.length).toBeLessThan(5);
    for (const p of pieces.slice(0, -1)) expect(p.length).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('an empty answer has no pieces and length 0', () => {
    const a = new AnswerPieces();
    expect(a.pieces()).toEqual([]);
    expect(a.length).toBe(0);
  });
});
