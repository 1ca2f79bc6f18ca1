// The recovery step of `cashflow bench pipeline` (bench/pipeline.ts): with --rebuild N,
// `cashflow state rebuild --clear` run N times as the command runs (a child process with the
// run's environment) next to the running processors: the command's own duration and records,
// and the wall time with its start-up.
import { spawn } from 'node:child_process';
import { repoFile } from '../config/repo-file.js';
import { percentile } from './pipeline-book.js';
import type { PipelineBenchEnv } from './pipeline-env.js';

export interface RebuildFigures {
  runs: number;
  records: number;
  /** The command's own duration (from its output): clear, read and apply, marker. */
  p50Seconds: number;
  maxSeconds: number;
  /** With the process's start-up (Node, config, clients). */
  p50WallSeconds: number;
  recordsPerSecond: number;
}

/** One `cashflow state rebuild --clear` as a child process: its reported seconds and records, and the wall time. */
function rebuildOnce(): Promise<{ seconds: number; records: number; wallSeconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [repoFile('bin', 'cashflow.js'), 'state', 'rebuild', '--clear'], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /state rebuilt in ([\d.]+) s from (\d+) records/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`cashflow state rebuild exited ${code}: ${(err || out).trim().slice(-500)}`));
      resolve({ seconds: Number(m[1]), records: Number(m[2]), wallSeconds: (performance.now() - started) / 1000 });
    });
  });
}

export async function stateRebuilds(env: PipelineBenchEnv, runs: number, log: (line: string) => void): Promise<RebuildFigures> {
  const done: Awaited<ReturnType<typeof rebuildOnce>>[] = [];
  for (let i = 0; i < runs; i++) {
    env.checkInterrupted();
    const r = await rebuildOnce();
    log(`state rebuild --clear ${i + 1}/${runs}: ${r.records} records in ${r.seconds} s (${r.wallSeconds.toFixed(1)} s with the process start)`);
    done.push(r);
  }
  const secs = done.map((r) => r.seconds).sort((a, b) => a - b);
  const walls = done.map((r) => r.wallSeconds).sort((a, b) => a - b);
  const records = done[done.length - 1].records;
  const p50 = percentile(secs, 50);
  return {
    runs,
    records,
    p50Seconds: p50,
    maxSeconds: secs[secs.length - 1],
    p50WallSeconds: Math.round(percentile(walls, 50) * 10) / 10,
    recordsPerSecond: Math.round(records / p50),
  };
}
