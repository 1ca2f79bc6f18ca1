import { describe, expect, it } from 'vitest';
import { GrowableBuffer } from './growable-buffer.js';

describe('GrowableBuffer', () => {
  it('keeps what was written when it grows past its first size', () => {
    const b = new GrowableBuffer(2);
    for (let i = 0; i < 100; i++) {
      b.ensure(1);
      b.buf[b.pos++] = i;
    }
    expect(b.buf.length).toBeGreaterThanOrEqual(100);
    expect([...b.buf.subarray(0, b.pos)]).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('grows at once to a write larger than double', () => {
    const b = new GrowableBuffer(4);
    b.ensure(1000);
    expect(b.buf.length).toBe(1000);
  });
});
