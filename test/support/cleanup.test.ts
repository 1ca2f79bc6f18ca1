import { describe, expect, it } from 'vitest';
import { Cleanup } from './cleanup.js';

describe('Cleanup', () => {
  it('runs every step even after one fails, and names each failure at the end', async () => {
    const ran: string[] = [];
    const c = new Cleanup();
    await c.attempt('connector', async () => {
      ran.push('connector');
      throw new Error('gone');
    });
    await c.attempt('slot', async () => ran.push('slot'));
    await c.attempt('database', async () => {
      ran.push('database');
      throw new Error('in use');
    });
    expect(ran).toEqual(['connector', 'slot', 'database']);
    expect(() => c.done()).toThrow('cleanup incomplete:\nconnector: gone\ndatabase: in use');
  });

  it('is quiet when every step succeeded', async () => {
    const c = new Cleanup();
    await c.attempt('slot', async () => undefined);
    expect(() => c.done()).not.toThrow();
  });
});
