// Ending a private server a test started as a child process.
import type { ChildProcess } from 'node:child_process';

/** SIGKILL to `child` if it still runs; resolves once it has exited. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
