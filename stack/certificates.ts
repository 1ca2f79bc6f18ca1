// A private certificate authority and one server certificate for 127.0.0.1 and localhost, made
// with the machine's openssl: what the secure stack's broker (and a test's TLS Redis or
// PostgreSQL) presents, and what its clients trust. Made once per folder and kept: the clients
// hold the CA file, so a new CA at every start would break them.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';

export interface CertificateFiles {
  dir: string;
  /** The CA's certificate (PEM): the clients' trust anchor (KAFKA_SSL_CA_FILE). */
  caCert: string;
  caKey: string;
  /** The server's certificate (PEM), signed by the CA, for DNS:localhost and IP:127.0.0.1. */
  serverCert: string;
  /** Its private key (PEM, unencrypted, mode 0600). */
  serverKey: string;
}

export function certificateFiles(dir: string): CertificateFiles {
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
  };
}

/** Two years and a bit: under the 825-day limit that TLS clients apply to server certificates. */
const VALIDITY_DAYS = 820;

/**
 * The server certificate's extensions: the names the clients check (a client reaches the stack
 * as 127.0.0.1 or localhost; librdkafka and the Java clients verify the address by default).
 */
export const serverExtensions = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:localhost,IP:127.0.0.1',
].join('\n');

function openssl(args: string[], what: string): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw new StackError('kafka', `${what}: cannot run openssl (${r.error.message}); install it (Debian: openssl)`);
  if (r.status !== 0) throw new StackError('kafka', `${what}: openssl ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join('\n')}`);
}

/**
 * The CA and the server certificate in `dir`, made if absent (EC P-256 keys: quick to make on a
 * busy machine, accepted by Java 17, librdkafka, Redis and PostgreSQL). Keys are mode 0600.
 */
export function ensureCertificates(dir: string, subject = 'cashflow local stack'): CertificateFiles {
  const f = certificateFiles(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!existsSync(f.caCert) || !existsSync(f.caKey)) {
    openssl(
      ['req', '-x509', ...ec, '-keyout', f.caKey, '-out', f.caCert, '-days', String(VALIDITY_DAYS), '-subj', `/CN=${subject} CA`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      'making the CA',
    );
  }
  if (!existsSync(f.serverCert) || !existsSync(f.serverKey)) {
    const csr = join(dir, 'server.csr');
    const ext = join(dir, 'server.ext');
    writeFileSync(ext, `${serverExtensions}\n`);
    openssl(['req', ...ec, '-keyout', f.serverKey, '-out', csr, '-subj', '/CN=localhost'], 'making the server key');
    openssl(
      ['x509', '-req', '-in', csr, '-CA', f.caCert, '-CAkey', f.caKey, '-CAcreateserial', '-out', f.serverCert,
        '-days', String(VALIDITY_DAYS), '-extfile', ext],
      'signing the server certificate',
    );
  }
  chmodSync(f.caKey, 0o600);
  chmodSync(f.serverKey, 0o600);
  return f;
}

/** A PKCS#12 key store of the server key and certificate chain (what the broker's JVM reads). */
export function ensurePkcs12(f: CertificateFiles, file: string, passwordFile: string): void {
  if (existsSync(file)) return;
  openssl(
    ['pkcs12', '-export', '-in', f.serverCert, '-inkey', f.serverKey, '-certfile', f.caCert, '-name', 'server',
      '-out', file, '-passout', `file:${passwordFile}`],
    'making the broker key store',
  );
  chmodSync(file, 0o600);
}
