// API keys: `x-api-key: <key>` or `authorization: Bearer <key>`, checked against the configured
// keys (CASHFLOW_API_KEYS, comma-separated, or the file named by CASHFLOW_API_KEYS_FILE) in
// constant time: both sides are hashed to 32 bytes and compared with timingSafeEqual, and every
// configured key is compared, so neither the length nor the position of a match leaks.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface Authenticator {
  /** The client id (a short hash of the matching key) or undefined when no key matches. */
  clientOf(headers: Record<string, string | string[] | undefined>): string | undefined;
  readonly configured: boolean;
}

/** The key a request presents (x-api-key wins over a bearer token). */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x !== '') return x;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return undefined;
}

export function createAuthenticator(keys: readonly string[]): Authenticator {
  const known = keys.map((k) => ({
    digest: digest(k),
    client: digest(`client:${k}`).toString('hex').slice(0, 16),
  }));
  return {
    configured: known.length > 0,
    clientOf(headers) {
      const key = presentedKey(headers);
      if (key === undefined) return undefined;
      const d = digest(key);
      let client: string | undefined;
      for (const k of known) if (timingSafeEqual(d, k.digest) && client === undefined) client = k.client;
      return client;
    },
  };
}
