// Detached processes of the stack: started with their output in a log file, remembered by a pid
// file, and recognised by a marker in their command line so that a reused pid is never ours.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LaunchSpec } from './config-files.js';

/** Whether a directory of PATH holds `command`, for a clear error before a start that would fail. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, command)));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** The pid in `pidFile` if that process still runs and is the one we started; else undefined. */
export function ownedPid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]!.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmd = commandLine(pid);
  // A zombie (exited, not yet reaped) has an empty command line: not running.
  if (cmd === undefined || !cmd.includes(marker)) return undefined;
  return pid;
}

/** The port a process of ours was started for (second line of its pid file). */
export function recordedPort(pidFile: string): number | undefined {
  try {
    const port = Number(readFileSync(pidFile, 'utf8').split('\n')[1]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

export function startDetached(spec: LaunchSpec, pidFile: string, logFile: string, port: number): number {
  mkdirSync(dirname(pidFile), { recursive: true });
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`cannot start ${spec.command}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n${port}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`. Returns how it ended. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<'stopped' | 'killed'> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'stopped';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) || commandLine(pid) === '') return 'stopped';
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* ended meanwhile */
  }
  return 'killed';
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

/** The last lines of a log, for error messages. */
export function logTail(logFile: string, lines = 12): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
