// The README's quick start stays true: every code block marked ```sh runnable is run, in the
// README's order, in one bash session from the repository root, against the local stack, and
// must succeed; each `<!-- expect: REGEX -->` line after a block must match that block's output.
// The blocks run in an environment of their own, set through the variables the README
// documents (database, topic and Redis prefixes, connector, slot, publication, ports), so the
// shared default environment is never touched; the README's last runnable block (`cashflow
// reset --yes`) removes it, and afterAll does the same when a block failed before it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortRange } from '../stack/free-port.js';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { repoFile } from '../config/repo-file.js';
import { connectRedis } from '../clients/redis.js';
import { loadConfig } from '../config/config.js';
import { PROCESSORS } from '../platform/processes.js';

export interface RunnableBlock {
  /** 1-based line of the opening fence. */
  line: number;
  script: string;
  expectations: RegExp[];
}

/** The ```sh runnable blocks of a markdown text, with the `<!-- expect: … -->` lines right after each. */
export function runnableBlocks(markdown: string): RunnableBlock[] {
  const lines = markdown.split('\n');
  const blocks: RunnableBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh runnable\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`README line ${start + 1}: runnable block never closed`);
    const expectations: RegExp[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const m = /^<!-- expect: (.*) -->$/.exec(lines[j]!);
      if (!m) break;
      expectations.push(new RegExp(m[1]!.trim(), 'm'));
    }
    blocks.push({ line: start + 1, script: body.join('\n'), expectations });
  }
  return blocks;
}


/** Where the blocks' output goes as it comes (to follow a run, or read after a timeout). */
const log = join(tmpdir(), `cashflow-readme-${process.pid}.log`);

function bash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: repoFile(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      output += d.toString();
      appendFileSync(log, d);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the README blocks did not end within ${timeoutMs / 1000} s; output so far (also in ${log}):\n${output}`));
    }, timeoutMs);
    // a background process a block left running keeps the pipes open: the shell's exit decides
    child.on('exit', (code) => {
      clearTimeout(timer);
      const settle = setTimeout(() => resolve({ code, output }), 2000);
      child.on('close', () => {
        clearTimeout(settle);
        resolve({ code, output });
      });
    });
  });
}

const readme = readFileSync(repoFile('README.md'), 'utf8');
const blocks = runnableBlocks(readme);
const run = randomBytes(3).toString('hex');
const server = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
let env: NodeJS.ProcessEnv | undefined;
let resetDone = false;

afterAll(async () => {
  if (!env || resetDone) return;
  const r = await bash('npx --no-install cashflow reset --yes', env, 120_000);
  if (r.code !== 0) throw new Error(`cleanup (cashflow reset --yes) failed:\n${r.output}`);
});

describe('README', () => {
  it('marks its quick start runnable, and no runnable block stops the shared stack', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const b of blocks) expect(b.script, `README line ${b.line}`).not.toMatch(/stack down|rm -rf|FLUSHALL|pkill|killall/);
    expect(blocks.at(-1)!.script).toContain('cashflow reset --yes');
  });

  it('runs every runnable block in order: each succeeds and prints what the README says', async () => {
    // one metrics port per processor `cashflow start` runs, then the API's
    const metricsBase = await freePortRange(PROCESSORS.length + 1);
    env = {
      ...process.env,
      DATABASE_URL: Object.assign(new URL(server), { pathname: `/cashflow_readme_${run}` }).toString(),
      CASHFLOW_TOPIC_PREFIX: `readme${run}.`,
      CASHFLOW_REDIS_PREFIX: `readme${run}:`,
      CDC_CONNECTOR_NAME: `cashflow-readme-${run}`,
      CDC_SLOT_NAME: `cashflow_readme_${run}`,
      CDC_PUBLICATION_NAME: `cashflow_readme_${run}`,
      CASHFLOW_METRICS_BASE_PORT: String(metricsBase),
      API_PORT: String(metricsBase + PROCESSORS.length),
    };
    delete env.DATABASE_READ_URL;
    const marker = (i: number) => `@@readme-block-${i}@@`;
    const script = [
      'set -eo pipefail',
      'exec 2>&1',
      // a block that fails leaves no background process behind (serve)
      "trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT",
      ...blocks.map((b, i) => `echo '${marker(i)}'\n${b.script}`),
      `echo '${marker(blocks.length)}'`,
    ].join('\n');
    const r = await bash(script, env, 560_000);
    const segments = r.output.split(/@@readme-block-\d+@@\n?/).slice(1);
    const reached = segments.length - 1;
    if (r.code !== 0) {
      const failed = blocks[Math.min(reached, blocks.length - 1)];
      throw new Error(`README block at line ${failed?.line} failed (exit ${r.code}):\n${segments.at(-1) ?? r.output}`);
    }
    resetDone = true;
    expect(reached).toBe(blocks.length);
    blocks.forEach((b, i) => {
      for (const e of b.expectations) expect(segments[i], `README line ${b.line}: ${e}`).toMatch(e);
    });

    // the reset left nothing of the environment: database, slot, connector, Redis keys
    const admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    try {
      const left = await admin.query(
        'SELECT (SELECT count(*) FROM pg_database WHERE datname = $1)::int AS databases, (SELECT count(*) FROM pg_replication_slots WHERE slot_name = $2)::int AS slots',
        [`cashflow_readme_${run}`, env.CDC_SLOT_NAME],
      );
      expect(left.rows[0]).toEqual({ databases: 0, slots: 0 });
    } finally {
      await admin.end();
    }
    const config = loadConfig(env);
    const connectors = (await (await fetch(`${config.kafkaConnectUrl}/connectors`)).json()) as string[];
    expect(connectors).not.toContain(env.CDC_CONNECTOR_NAME);
    const redis = await connectRedis(config, { name: 'readme-test' });
    try {
      const keys: string[] = [];
      for await (const batch of redis.scanStream({ match: `readme${run}:*`, count: 1000 })) keys.push(...(batch as string[]));
      expect(keys).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 600_000);
});
