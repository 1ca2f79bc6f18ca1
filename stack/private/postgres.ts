// A PostgreSQL server of its own (a fault test's, `cashflow chaos`'s): a cluster made by the machine's initdb in a temp folder,
// run by pg_ctl on a free port, so that its owner can stop it (fast: sessions are told; immediate:
// a crash, sessions just lose their socket) and start it again on the same port and data: a
// database restart as the pipeline sees it. The machine's shared server is never touched.
// PostgreSQL refuses to run as root: under root the cluster belongs to the `postgres` user and
// the tools run through runuser. With `tls`, the server has ssl=on with that certificate and
// takes TCP connections over TLS only (pg_hba.conf `hostssl`).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateFiles } from '../certificates.js';
import { freePort } from '../free-port.js';
import { logTail } from '../processes.js';

/** The server binaries: TEST_POSTGRES_BINDIR, else the newest /usr/lib/postgresql/<major>/bin (Debian). */
export function postgresBinDir(): string | undefined {
  if (process.env.TEST_POSTGRES_BINDIR) return process.env.TEST_POSTGRES_BINDIR;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0], 'bin') : undefined;
}

const run = promisify(execFile);

export type StopMode = 'fast' | 'immediate';

export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'cashflow-test-postgres-'));
  readonly data = join(this.dir, 'data');
  readonly logFile = join(this.dir, 'postgres.log');
  private readonly asRoot = process.getuid?.() === 0;
  port = 0;

  private readonly owner: { uid: number; gid: number } | undefined;

  /** `logical`: wal_level=logical, so that a Debezium connector can capture it; `tls`: TLS only, with this certificate. */
  constructor(
    private readonly bin: string,
    private readonly options: { logical?: boolean; tls?: CertificateFiles } = {},
  ) {
    if (this.asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      this.owner = { uid, gid };
      chownSync(this.dir, uid, gid);
    }
  }

  /** A connection URL for `database` (trust authentication, user postgres). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server (the first time: initdb) and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.port === 0) {
      this.port = await freePort();
      await this.tool('initdb', ['-D', this.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
      if (this.options.tls) this.onlyTls(this.options.tls);
    }
    const logical = this.options.logical ? ' -c wal_level=logical -c max_wal_senders=5 -c max_replication_slots=5' : '';
    const ssl = this.options.tls ? ` -c ssl=on -c ssl_cert_file=${join(this.dir, 'server.pem')} -c ssl_key_file=${join(this.dir, 'server.key')}` : '';
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c max_connections=50${logical}${ssl}`;
    await this.tool('pg_ctl', ['-D', this.data, '-l', this.logFile, '-o', options, '-w', '-t', '60', 'start']);
  }

  /**
   * The certificate and key where the server may read them (its key: owned by the server's user,
   * mode 0600, or PostgreSQL refuses to start), and TCP connections over TLS only.
   */
  private onlyTls(tls: CertificateFiles): void {
    for (const [from, name] of [[tls.serverCert, 'server.pem'], [tls.serverKey, 'server.key']] as const) {
      const to = join(this.dir, name);
      copyFileSync(from, to);
      chmodSync(to, 0o600);
      if (this.owner) chownSync(to, this.owner.uid, this.owner.gid);
    }
    const hba = join(this.data, 'pg_hba.conf');
    writeFileSync(hba, readFileSync(hba, 'utf8').replace(/^host(\s)/gm, 'hostssl$1'));
  }

  /** Stops the server and waits until it is gone. */
  async stop(mode: StopMode): Promise<void> {
    await this.tool('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Ends the server (if running) and removes its folder. */
  async remove(): Promise<void> {
    if (this.port !== 0 && existsSync(join(this.data, 'postmaster.pid'))) {
      try {
        await this.tool('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already down
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(): string {
    return logTail(this.logFile, 20);
  }

  /** Runs a server tool without blocking the event loop (the pipeline under test keeps running). */
  private async tool(name: string, args: string[]): Promise<void> {
    const command = join(this.bin, name);
    try {
      if (this.asRoot) await run('runuser', ['-u', 'postgres', '--', command, ...args]);
      else await run(command, args);
    } catch (e) {
      const out = e as { stderr?: string; stdout?: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${out.stderr ?? ''}${out.stdout ?? ''}\n${existsSync(this.logFile) ? this.logTail() : ''}`);
    }
  }
}
