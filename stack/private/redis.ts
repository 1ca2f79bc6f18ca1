// A Redis of its own (a fault test's, `cashflow chaos`'s) (`redis-server`, the binary the stack runs), on a free port with its
// own folder and the append-only file on, so that a graceful restart (SHUTDOWN, then the same
// command again) keeps every key: what a Redis restart in production looks like to the
// pipeline. With `persistence: false` it keeps nothing on disk (like this machine's Redis), so
// a restart comes back empty. The shared stack's Redis is never touched.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { CertificateFiles } from '../certificates.js';
import { portOpen } from '../net.js';
import { PrivateProcess } from './process.js';
import { freePort } from '../free-port.js';

export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'cashflow-test-redis-'));
  readonly logFile = join(this.dir, 'redis.log');
  private readonly process = new PrivateProcess(
    'the private redis-server',
    this.logFile,
    () => ({
      command: 'redis-server',
      args: ['--bind', '127.0.0.1', ...this.listenArgs(), '--dir', this.dir, '--appendonly', this.options.persistence === false ? 'no' : 'yes', '--save', '', '--daemonize', 'no'],
      cwd: this.dir,
      env: {},
      marker: 'redis-server',
    }),
    () => this.ping(),
  );
  port = 0;

  /** `tls`: it listens with TLS only (a `rediss://` URL), with this certificate. */
  constructor(private readonly options: { persistence?: boolean; tls?: CertificateFiles } = {}) {}

  get url(): string {
    return `${this.options.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    await this.process.start(30_000, 50);
  }

  /** SHUTDOWN (Redis writes its append-only file and exits); resolves once the process is gone. */
  async shutdown(): Promise<void> {
    if (!this.process.running) return;
    const exited = this.process.exited();
    const c = this.client();
    await c.connect();
    await c.call('SHUTDOWN').catch(() => undefined); // the connection closes without a reply
    c.disconnect();
    await exited;
  }

  /** Ends the process (if running) and removes its folder. */
  async remove(): Promise<void> {
    await this.process.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  async keyCount(): Promise<number> {
    const c = this.client();
    try {
      await c.connect();
      return await c.dbsize();
    } finally {
      c.disconnect();
    }
  }

  /** FLUSHALL on this private server (never on the shared one). */
  async flushAll(): Promise<void> {
    const c = this.client();
    try {
      await c.connect();
      await c.flushall();
    } finally {
      c.disconnect();
    }
  }

  /** GET of one key (a full key name: no prefix is added). */
  async get(key: string): Promise<string | null> {
    const c = this.client();
    try {
      await c.connect();
      return await c.get(key);
    } finally {
      c.disconnect();
    }
  }

  logTail(): string {
    return this.process.logTail(15);
  }

  /** The plaintext port, or (with `tls`) the TLS port alone: clients must speak TLS. */
  private listenArgs(): string[] {
    const t = this.options.tls;
    if (!t) return ['--port', String(this.port)];
    return ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', t.serverCert, '--tls-key-file', t.serverKey, '--tls-ca-cert-file', t.caCert, '--tls-auth-clients', 'no'];
  }

  /** A client that fails at once instead of retrying (the server may be down on purpose). */
  private client(): Redis {
    const tls = this.options.tls ? { ca: readFileSync(this.options.tls.caCert) } : undefined;
    const c = new Redis({ host: '127.0.0.1', port: this.port, tls, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    return c;
  }

  private async ping(): Promise<boolean> {
    if (!(await portOpen('127.0.0.1', this.port, 500))) return false;
    const c = this.client();
    try {
      await c.connect();
      // LOADING while the append-only file is read back: not ready yet
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  }
}
