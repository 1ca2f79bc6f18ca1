import { describe, expect, it } from 'vitest';
import { createAuthenticator, presentedKey } from './auth.js';

describe('auth', () => {
  const auth = createAuthenticator(['alpha', 'beta-longer-key']);
  it('takes the key from x-api-key or a bearer token', () => {
    expect(presentedKey({ 'x-api-key': 'k' })).toBe('k');
    expect(presentedKey({ authorization: 'Bearer k2' })).toBe('k2');
    expect(presentedKey({ authorization: 'bearer   k3 ' })).toBe('k3');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
  it('knows each configured key, gives each its own client id, and refuses others', () => {
    const a = auth.clientOf({ 'x-api-key': 'alpha' });
    const b = auth.clientOf({ authorization: 'Bearer beta-longer-key' });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toMatch(/^[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    for (const k of ['alph', 'alphaa', 'ALPHA', '', 'beta'])
      expect(auth.clientOf({ 'x-api-key': k })).toBeUndefined();
  });
  it('refuses everything when no key is configured', () => {
    const none = createAuthenticator([]);
    expect(none.configured).toBe(false);
    expect(none.clientOf({ 'x-api-key': '' })).toBeUndefined();
    expect(none.clientOf({ 'x-api-key': 'anything' })).toBeUndefined();
  });
});
