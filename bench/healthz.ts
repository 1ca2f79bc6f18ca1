// /healthz latency (`cashflow bench api` section 1b, and alone as `cashflow bench api --healthz`):
// p50, p99 and max answered alone and while N heavy synchronous requests run at once, each
// connection sending in turn 300 copies of a PAM case maturing 9999-12-31 (refused 422 at the
// event limit), one copy (a 16 MB answer, read whole) and a body nested 20,000 deep (400): the
// requests that once ended the API; the goal is /healthz within 100 ms.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { connectRedis } from '../clients/redis.js';
import { repoFile } from '../config/repo-file.js';
import { loadConfig } from '../config/config.js';
import { farMaturityCase } from '../demo/synthetic-book.js';
import { freePort } from '../stack/free-port.js';
import { clearState } from '../state/redis-store.js';

/** How long and how hard /healthz is timed under load. */
export interface HealthzLoadOptions {
  /** Heavy synchronous requests at once while /healthz is timed. */
  heavy: number;
  seconds: number;
  log: (s: string) => void;
}

export interface LatencyFigures {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** /healthz answered alone, then while `heavy` abusive synchronous requests run at once. */
export interface HealthzUnderLoad {
  heavy: number;
  seconds: number;
  /** The heavy requests answered, by status code. */
  statuses: Record<string, number>;
  idle: LatencyFigures;
  loaded: LatencyFigures;
  /**
   * The API's event loop delay meanwhile (prom-client's, reset at each scrape): its main thread
   * held up by its own work, as against the process waiting for a core.
   */
  eventLoopDelay: { p99Ms: number; maxMs: number } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 100) / 100;

function latencies(ms: number[]): LatencyFigures {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { samples: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(sorted.at(-1) ?? 0) };
}

/**
 * The heavy senders (a worker thread's script): `connections` loops each POSTing the bodies in
 * turn, answers read through, until told to stop; then the count of answers by status.
 */
const HEAVY_SENDER = `
const { parentPort, workerData: { base, headers, bodies, connections } } = require('node:worker_threads');
let stopping = false;
parentPort.once('message', () => (stopping = true));
const statuses = {};
const send = async (c) => {
  for (let i = c; !stopping; i++) {
    const r = await fetch(base + '/v1/cashflows', { method: 'POST', headers, body: bodies[i % bodies.length] });
    for await (const _ of r.body) {}
    statuses[r.status] = (statuses[r.status] || 0) + 1;
  }
};
Promise.all(Array.from({ length: connections }, (_, c) => send(c))).then(() => parentPort.postMessage(statuses));
`;

/** GET /healthz one after another (10 ms apart) until `stop` says so: each answer's time. */
async function pollHealthz(base: string, stop: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!stop()) {
    const t = performance.now();
    const r = await fetch(`${base}/healthz`);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`/healthz answered ${r.status}`);
    times.push(performance.now() - t);
    await sleep(10);
  }
  return times;
}

export async function timeHealthzUnderLoad(
  base: string,
  headers: Record<string, string>,
  o: HealthzLoadOptions,
): Promise<HealthzUnderLoad> {
  const copies = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, farMaturityCase(i)])));
  const bodies = [copies(300), copies(1), `{"a":{"terms":${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`];
  const idleUntil = performance.now() + 3000;
  const idle = latencies(await pollHealthz(base, () => performance.now() > idleUntil));
  const statuses: Record<string, number> = {};
  // the API's event loop delay figures start afresh at a scrape
  const eventLoop = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const read = (name: string) => {
      const m = new RegExp(`^cashflow_api_process_nodejs_eventloop_lag_${name}_seconds ([0-9.e+-]+)$`, 'm').exec(text);
      return m ? round(Number(m[1]) * 1000) : undefined;
    };
    const [p99Ms, maxMs] = [read('p99'), read('max')];
    return p99Ms === undefined || maxMs === undefined ? null : { p99Ms, maxMs };
  };
  await eventLoop();
  // the heavy requests sent and their answers read on a thread of their own: reading a 16 MB
  // answer on this one would delay the /healthz answers it times
  const heavy = new Worker(HEAVY_SENDER, { eval: true, workerData: { base, headers, bodies, connections: o.heavy } });
  const heavyDone = new Promise<Record<string, number>>((resolve, reject) => {
    heavy.once('message', resolve);
    heavy.once('error', reject);
  });
  const t0 = performance.now();
  const loadedUntil = t0 + o.seconds * 1000;
  const loaded = latencies(await pollHealthz(base, () => performance.now() > loadedUntil));
  heavy.postMessage('stop');
  Object.assign(statuses, await heavyDone);
  await heavy.terminate();
  const eventLoopDelay = await eventLoop();
  const seconds = round((performance.now() - t0) / 1000);
  const figures = { heavy: o.heavy, seconds, statuses, idle, loaded, eventLoopDelay };
  const f = (l: LatencyFigures) => `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms (${l.samples} answers)`;
  o.log(`GET /healthz alone: ${f(idle)}`);
  o.log(
    `GET /healthz while ${o.heavy} heavy requests run at once (${Object.entries(statuses).map(([s, n]) => `${n} × ${s}`).join(', ')} in ${seconds} s): ${f(loaded)}; the API's event loop delay meanwhile: ${eventLoopDelay ? `p99 ${eventLoopDelay.p99Ms} ms, max ${eventLoopDelay.maxMs} ms` : 'not in /metrics'}`,
  );
  return figures;
}

export interface HealthzBenchOptions extends HealthzLoadOptions {
  /** Node options of the API process after --max-old-space-size=512 (e.g. --trace-gc, --cpu-prof). */
  nodeArgs: string[];
}

/**
 * Section 1b alone (`cashflow bench api --healthz`): `cashflow serve` as run in production, on a
 * 512 MB heap, with neither Kafka nor the database, and nothing else measured: quick enough to
 * alternate two builds in one session. The API's output (--trace-gc) goes to a log file.
 */
export async function runHealthzBench(o: HealthzBenchOptions): Promise<HealthzUnderLoad & { log: string }> {
  const run = randomBytes(4).toString('hex');
  const redisPrefix = `cashflow-benchhealthz-${run}:`;
  const key = `bench-${run}`;
  const logDir = join(repoFile(), '.stack', 'bench-logs');
  mkdirSync(logDir, { recursive: true });
  const log = join(logDir, `healthz-${run}-serve.log`);
  const out = openSync(log, 'a');
  const port = await freePort();
  const api = spawn(
    process.execPath,
    ['--max-old-space-size=512', ...o.nodeArgs, repoFile('bin', 'cashflow.js'), 'serve', '--port', String(port)],
    {
      cwd: repoFile(),
      env: {
        ...process.env,
        CASHFLOW_REDIS_PREFIX: redisPrefix,
        CASHFLOW_API_KEYS: key,
        API_RATE_LIMIT_PER_KEY: '0',
        API_RATE_LIMIT_PER_ADDRESS: '0',
      },
      stdio: ['ignore', out, out],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (api.exitCode !== null) throw new Error(`cashflow serve ended (log: ${log})`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
      if (i > 300) throw new Error(`the API did not start (log: ${log})`);
      await sleep(100);
    }
    const figures = await timeHealthzUnderLoad(base, { 'x-api-key': key, 'content-type': 'application/json' }, o);
    return { ...figures, log };
  } finally {
    if (api.exitCode === null && api.signalCode === null) {
      // SIGTERM: serve closes and exits, which writes a --cpu-prof profile
      api.kill('SIGTERM');
      await Promise.race([new Promise((r) => api.once('exit', r)), sleep(15_000).then(() => api.kill('SIGKILL'))]);
    }
    const config = loadConfig();
    const redis = await connectRedis(config, { name: 'cashflow-bench-healthz' });
    await clearState(redis, redisPrefix).finally(() => redis.disconnect());
  }
}
