// Several API instances behind HAProxy, for real (docs/operations.md "Several API instances"):
// `cashflow serve --instances 2` (real haproxy, real `cashflow serve` processes) with a
// job-worker process on the local stack. A large job is submitted and followed through the
// balancer while each original instance in turn is killed (SIGKILL) and another started in its
// place, so the instance that accepted the job is gone before the job ends: the job completes
// with the engine's own result, and synchronous requests sent all along are answered right,
// failures allowed only while a killed instance is being taken out (counted and printed).
// Needs `npm run build` (the children run bin/cashflow.js) and haproxy on PATH (scripts/setup.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookContract } from '../bench/engine.js';
import { repoFile } from '../config/repo-file.js';
import { connectRedis, type Redis } from '../clients/redis.js';
import { computeTestBed } from '../engine/index.js';
import { freePort } from '../stack/free-port.js';
import { testEnv } from './env/index.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';
import { testLogDir } from './support/test-log.js';

const JOB_CONTRACTS = Number(process.env.LB_TEST_JOB_CONTRACTS ?? 30_000);
/** After an instance's death, failures are allowed until HAProxy has it back UP and this long after. */
const SETTLE_MS = 2_000;

const env = new PipelineEnv('lb', { connector: false });
const KEY = `lb-key-${env.run}`;
let port = 0;
let balancer: ChildProcess | undefined;
const workers: ChildProcess[] = [];
let redis: Redis | undefined;
/** The supervisor's and HAProxy's stderr lines, with when they came. */
const lines: { at: number; text: string }[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base = () => `http://127.0.0.1:${port}`;
const authed = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { 'x-api-key': KEY, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
});

function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: env.config.database.url,
    DATABASE_READ_URL: env.config.database.url,
    CASHFLOW_TOPIC_PREFIX: env.topology.options.prefix,
    CASHFLOW_REDIS_PREFIX: env.redisPrefix,
    CASHFLOW_API_KEYS: KEY,
    CASHFLOW_METRICS_PORT: '0',
    API_JOB_CHUNK_SIZE: '500',
  };
}

function startWorker(n: number): void {
  mkdirSync(testLogDir, { recursive: true });
  const log = openSync(join(testLogDir, `lb-${env.run}-worker-${n}.log`), 'a');
  workers.push(
    spawn(process.execPath, [repoFile('bin', 'cashflow.js'), 'run', 'job-worker'], {
      cwd: repoFile(),
      env: childEnv(),
      stdio: ['ignore', log, log],
    }),
  );
}

/** The pid of the instance now in slot `name`, from the supervisor's `instance <name> pid <pid>` lines. */
function instancePid(name: string): number | undefined {
  const started = lines.filter((l) => l.text.startsWith(`cashflow serve: instance ${name} pid `));
  const pid = started.at(-1)?.text.split(' ')[5];
  return pid === undefined ? undefined : Number(pid);
}

beforeAll(async () => {
  await testEnv();
  await env.setUp();
  redis = await connectRedis(env.config, { name: 'cashflow-lb-test', keyPrefix: env.redisPrefix });
  port = await freePort();
  balancer = spawn(
    process.execPath,
    [repoFile('bin', 'cashflow.js'), 'serve', '--instances', '2', '--port', String(port)],
    { cwd: repoFile(), env: childEnv(), stdio: ['ignore', 'inherit', 'pipe'] },
  );
  mkdirSync(testLogDir, { recursive: true });
  const log = join(testLogDir, `lb-${env.run}-balancer.log`);
  createInterface({ input: balancer.stderr! }).on('line', (text) => {
    lines.push({ at: Date.now(), text });
    appendFileSync(log, `${new Date().toISOString()} ${text}\n`);
  });
  await eventually(
    'the balancer answering',
    async () => lines.some((l) => l.text.includes('balancing 2 instances')) && (await fetch(`${base()}/readyz`)).ok,
    90_000,
    250,
  );
  // one worker: the job then lasts long enough for both instances to be replaced meanwhile
  startWorker(1);
  // the workers complete the fresh environment's state at start (state/healing.ts)
  await eventually('the state marker', async () => (await redis!.exists('state:ready')) === 1, 90_000, 250);
});

afterAll(async () => {
  for (const c of [...workers, ...(balancer ? [balancer] : [])]) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGTERM');
    await Promise.race([new Promise((r) => c.once('exit', r)), sleep(40_000).then(() => c.kill('SIGKILL'))]);
  }
  redis?.disconnect();
  await env.tearDown();
});

describe('cashflow serve --instances 2 behind HAProxy', () => {
  it(`completes a job of ${JOB_CONTRACTS} contracts and keeps answering while each instance is killed and another started`, async () => {
    // synchronous requests all along, each checked against the engine's own answer
    const syncBody = {
      a: { terms: bookContract('PAM', 7) },
      b: { terms: bookContract('ANN', 8) },
    };
    const syncExpected = JSON.stringify(computeTestBed(syncBody)) + '\n';
    /** Each request from its start (`at`) to its end. */
    const sync: { at: number; end: number; ok: boolean; what: string }[] = [];
    let sending = true;
    const sender = (async () => {
      while (sending) {
        const at = Date.now();
        try {
          const r = await fetch(
            `${base()}/v1/cashflows`,
            authed({ method: 'POST', body: JSON.stringify(syncBody), signal: AbortSignal.timeout(30_000) }),
          );
          const text = await r.text();
          sync.push({ at, end: Date.now(), ok: r.status === 200 && text === syncExpected, what: `${r.status}` });
        } catch (e) {
          sync.push({ at, end: Date.now(), ok: false, what: (e as Error).message });
        }
        await sleep(50);
      }
    })();

    const cases: Record<string, { terms: Record<string, string> }> = {};
    for (let i = 0; i < JOB_CONTRACTS; i++) cases[`c${i}`] = { terms: bookContract(i % 3 === 0 ? 'ANN' : 'PAM', i) };
    const submitted = await fetch(`${base()}/v1/jobs`, authed({ method: 'POST', body: JSON.stringify(cases) }));
    expect(submitted.status).toBe(202);
    const { jobId, chunks } = (await submitted.json()) as { jobId: string; chunks: number };
    expect(chunks).toBe(Math.ceil(JOB_CONTRACTS / 500));

    // its progress polled all along, as a client would
    type Status = { status: string; chunks: { done: number; total: number }; contracts: { done: number; total: number } };
    const polls: { at: number; end: number; status?: Status }[] = [];
    const poller = (async () => {
      while (polls.at(-1)?.status?.status !== 'completed') {
        const at = Date.now();
        try {
          const r = await fetch(`${base()}/v1/jobs/${jobId}`, authed({ signal: AbortSignal.timeout(30_000) }));
          polls.push({ at, end: Date.now(), ...(r.status === 200 ? { status: (await r.json()) as Status } : {}) });
        } catch {
          polls.push({ at, end: Date.now() });
        }
        await sleep(200);
      }
    })();
    const running = () => polls.at(-1)?.status?.status;
    await eventually('the job seen through the balancer', async () => running() !== undefined, 30_000, 50);

    // each original instance in turn: killed, another started in its place, back UP in HAProxy
    // (the first as soon as the job is accepted; the second perhaps after the job ended: then
    // its result still comes from instances started after the one that accepted it)
    const outages: { name: string; from: number; to: number; jobStatus: string | undefined }[] = [];
    for (const name of ['api-1', 'api-2']) {
      const pid = instancePid(name)!;
      const from = Date.now();
      const jobStatus = running();
      process.kill(pid, 'SIGKILL');
      await eventually(
        `${name} started again and UP in HAProxy`,
        async () =>
          instancePid(name) !== pid &&
          lines.some((l) => l.at > from && l.text.includes(`Server api/${name} is UP`)),
        120_000,
        100,
      );
      outages.push({ name, from, to: Date.now() + SETTLE_MS, jobStatus });
    }

    await eventually('the job completed', async () => running() === 'completed', 280_000, 200);
    await poller;
    const done = polls.at(-1)!.status!;
    expect(done.chunks).toEqual({ done: chunks, total: chunks });
    expect(done.contracts).toEqual({ done: JOB_CONTRACTS, total: JOB_CONTRACTS });
    // progress seen through the balancer
    expect(new Set(polls.map((p) => p.status?.contracts.done).filter((d) => d !== undefined)).size).toBeGreaterThan(1);
    const result = await fetch(`${base()}/v1/jobs/${jobId}/result`, authed());
    expect(result.status).toBe(200);
    expect(await result.text()).toBe(JSON.stringify(computeTestBed(cases)) + '\n');

    await sleep(SETTLE_MS);
    sending = false;
    await sender;
    // a request in flight on an instance when it is killed fails too
    const during = ({ at, end }: { at: number; end: number }) => outages.some((o) => end >= o.from && at <= o.to);
    const failed = sync.filter((s) => !s.ok);
    const pollsFailed = polls.filter((p) => !p.status);
    console.log(
      `load balancer: ${sync.length} synchronous requests, ${failed.length} failed (${failed.map((f) => f.what).join(', ') || 'none'}); ` +
        `${polls.length} job polls, ${pollsFailed.length} failed; ` +
        outages.map((o) => `${o.name} out ${o.to - SETTLE_MS - o.from} ms (job ${o.jobStatus ?? 'not polled yet'} at the kill)`).join(', '),
    );
    expect(sync.filter((s) => s.at > outages[1]!.to).length).toBeGreaterThan(0);
    expect(failed.filter((f) => !during(f))).toEqual([]);
    expect(pollsFailed.filter((f) => !during(f))).toEqual([]);
    // a few at most: HAProxy takes a killed instance out at its first refused connection
    expect(failed.length + pollsFailed.length).toBeLessThanOrEqual(4);
  });
});
