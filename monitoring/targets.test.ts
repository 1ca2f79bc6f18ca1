import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerTarget, targetsDir, targetsGlob, unregisterTarget } from './targets.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'cashflow-targets-'));
  dirs.push(d);
  return d;
};

describe('file-based service discovery', () => {
  it("writes one file in Prometheus's file_sd format, named for the job, and removes it", () => {
    const dir = tmp();
    const remove = registerTarget(dir, {
      job: 'cashflow-processors',
      process: 'calculator-2',
      address: '127.0.0.1:9404',
    });
    const files = readdirSync(dir);
    expect(files).toEqual(['cashflow-processors--calculator-2--9404.json']);
    expect(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'))).toEqual([
      { targets: ['127.0.0.1:9404'], labels: { process: 'calculator-2' } },
    ]);
    // the job's glob matches it and no other job's does
    expect(targetsGlob(dir, 'cashflow-processors')).toBe(join(dir, 'cashflow-processors--*.json'));
    remove();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('two processes of one kind on two ports are two targets; a name with odd characters stays one file name', () => {
    const dir = tmp();
    registerTarget(dir, { job: 'cashflow-api', process: 'run 7/api', address: '127.0.0.1:8090' });
    registerTarget(dir, { job: 'cashflow-api', process: 'run 7/api', address: '127.0.0.1:8091' });
    expect(readdirSync(dir).sort()).toEqual([
      'cashflow-api--run_7_api--8090.json',
      'cashflow-api--run_7_api--8091.json',
    ]);
    unregisterTarget(dir, { job: 'cashflow-api', process: 'run 7/api', address: '127.0.0.1:8091' });
    expect(readdirSync(dir)).toEqual(['cashflow-api--run_7_api--8090.json']);
  });

  it('lives in the stack folder', () => {
    const stack = tmp();
    expect(targetsDir(stack)).toBe(join(stack, 'prometheus', 'targets'));
    expect(existsSync(targetsDir(stack))).toBe(false);
  });
});
