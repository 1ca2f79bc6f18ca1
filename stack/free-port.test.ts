import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralRangeStart, freePort, freePortRange } from './free-port.js';

describe('free ports below the ephemeral range', () => {
  it('reads the range start, and falls back to 32768 when it is missing or odd', () => {
    expect(ephemeralRangeStart(() => '40000\t60999\n')).toBe(40000);
    expect(ephemeralRangeStart(() => 'nonsense')).toBe(32768);
    expect(ephemeralRangeStart(() => '1024 65535')).toBe(32768); // a range that leaves nothing below it
    expect(ephemeralRangeStart(() => { throw new Error('ENOENT'); })).toBe(32768);
  });

  it('gives consecutive ports that can all be bound, below the ephemeral range', async () => {
    const base = await freePortRange(9);
    expect(base).toBeGreaterThanOrEqual(10_000);
    expect(base + 8).toBeLessThan(ephemeralRangeStart());
    for (let p = base; p < base + 9; p++) {
      await new Promise<void>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(p, '127.0.0.1', () => s.close(() => resolve()));
      });
    }
    expect(await freePort()).toBeLessThan(ephemeralRangeStart());
  });
});
