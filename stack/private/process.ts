// One process of a private instance (stack/private/): started from a launch spec with its output
// in a log file, waited for until a health check passes, stopped with a signal and started again
// with the same spec (same ports, same folders): a restart as the clients see it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { LaunchSpec } from '../config-files.js';
import { logTail } from '../processes.js';
import { eventually } from './wait.js';

/**
 * Sends `signal` to `child` if it still runs and waits until it is gone: true, or false when it
 * outlived `timeoutMs` (it is then SIGKILLed, and gone when this returns).
 */
export async function endChild(child: ChildProcess | undefined, signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 60_000): Promise<boolean> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return true;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!inTime) {
    child.kill('SIGKILL');
    await exited;
  }
  return inTime;
}

export class PrivateProcess {
  private child: ChildProcess | undefined;

  constructor(
    /** For messages: `the private Connect worker on 127.0.0.1:…`. */
    readonly label: string,
    readonly logFile: string,
    private readonly spec: () => LaunchSpec,
    private readonly healthy: () => Promise<boolean>,
  ) {}

  get running(): boolean {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  /** Starts the process and waits until the health check passes (a process that exits meanwhile fails at once). */
  async start(timeoutMs = 180_000, checkEveryMs = 250): Promise<void> {
    const spec = this.spec();
    const out = openSync(this.logFile, 'a');
    try {
      this.child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const child = this.child;
    child.on('error', () => {}); // a spawn failure shows as the exit below
    await eventually(this.label, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.label} exited (${child.exitCode ?? child.signalCode}):\n${this.logTail()}`);
      return this.healthy();
    }, timeoutMs, checkEveryMs);
  }

  /** Resolves once the process has ended by itself (at once when it is not running). */
  async exited(): Promise<void> {
    const child = this.child;
    if (child !== undefined && this.running) await new Promise((r) => child.once('exit', r));
    this.child = undefined;
  }

  /** Sends `signal` and waits until the process is gone; returns how long it took. */
  async stop(signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 60_000): Promise<number> {
    if (!this.running) return 0;
    const t0 = Date.now();
    if (!(await endChild(this.child, signal, timeoutMs))) throw new Error(`${this.label} did not exit within ${timeoutMs} ms of ${signal}:\n${this.logTail()}`);
    this.child = undefined;
    return Date.now() - t0;
  }

  logTail(lines = 20): string {
    return logTail(this.logFile, lines);
  }
}
