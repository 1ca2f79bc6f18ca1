import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureCertificates } from './certificates.js';

const dir = mkdtempSync(join(tmpdir(), 'cashflow-certs-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the stack CA and server certificate (openssl)', () => {
  const f = ensureCertificates(join(dir, 'secrets'));
  const ca = new X509Certificate(readFileSync(f.caCert));
  const server = new X509Certificate(readFileSync(f.serverCert));

  it('makes a CA and a server certificate it signed, for 127.0.0.1 and localhost only', () => {
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkHost('example.com')).toBeUndefined();
    expect(server.checkIP('10.0.0.1')).toBeUndefined();
    // the key is the certificate's
    expect(createPrivateKey(readFileSync(f.serverKey)).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(server.checkPrivateKey(createPrivateKey(readFileSync(f.serverKey)))).toBe(true);
  });

  it('keeps the keys readable by their owner only and makes nothing twice (clients hold the CA)', () => {
    expect(statSync(f.serverKey).mode & 0o077).toBe(0);
    expect(statSync(f.caKey).mode & 0o077).toBe(0);
    expect(statSync(f.dir).mode & 0o077).toBe(0);
    ensureCertificates(f.dir);
    expect(new X509Certificate(readFileSync(f.caCert)).fingerprint256).toBe(ca.fingerprint256);
    expect(new X509Certificate(readFileSync(f.serverCert)).fingerprint256).toBe(server.fingerprint256);
  });
});
