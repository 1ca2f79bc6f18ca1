// One request cannot bring the API down: `cashflow serve` as a child process on a 512 MB heap
// (--max-old-space-size=512), as run in production, with the requests that once ended it:
// - at once: 300 and 40 copies of a PAM case maturing 9999-12-31 in one POST /v1/cashflows each
//   (95,822 events, 16 MB of JSON a case: 4.8 GB answered whole used to end the process out of
//   memory), refused with a 422 naming API_SYNC_MAX_EVENTS; one copy, answered byte for byte as
//   `cashflow actus` prints it (the engine in this process); a body nested 20,000 deep, 400;
//   /healthz answered throughout; the process lives on and answers the next request;
// - a request over API_SYNC_TIMEOUT_MS (a second server with a 300 ms limit): 422 naming it;
// - a body nested 20,000 deep and one with a __proto__ key: 400 saying what is wrong.
// The servers use Redis under a prefix of their own with the results cache off (nothing to
// remove), and neither Kafka nor the database. Needs `npm run build` (the child runs bin/cashflow.js).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoFile } from '../config/repo-file.js';
import { testBedResultText, type TestBedCase } from '../engine/index.js';
import { freePort } from '../stack/free-port.js';
import { farMaturityCase } from '../bench/engine.js';

const run = randomBytes(4).toString('hex');
const KEY = `bounds-${run}`;
const children: ChildProcess[] = [];

/** The heaviest plausible case: PAM, monthly interest from 2015 to 9999-12-31. */
const farCase = farMaturityCase;
const copies = (n: number) => {
  const body: Record<string, TestBedCase> = {};
  for (let i = 0; i < n; i++) body[`c${i}`] = farCase(i);
  return body;
};

async function serve(
  env: Record<string, string>,
): Promise<{ base: string; child: ChildProcess; stderr: () => string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=512', repoFile('bin', 'cashflow.js'), 'serve', '--port', String(port)],
    {
      cwd: repoFile(),
      env: {
        ...process.env,
        CASHFLOW_API_KEYS: KEY,
        CASHFLOW_REDIS_PREFIX: `cashflow-bounds-${run}:`,
        API_CACHE_TTL_SECONDS: '0',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`cashflow serve ended: ${err}`);
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 600) throw new Error(`cashflow serve did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, child, stderr: () => err };
}

const post = (base: string, body: string) =>
  fetch(`${base}/v1/cashflows`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body,
  });

/** The answer's status and bytes, read as they arrive (nothing decoded while /healthz is timed). */
const sent = (base: string, body: string) =>
  post(base, body).then(async (r) => {
    const chunks: Uint8Array[] = [];
    for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
    return { status: r.status, bytes: Buffer.concat(chunks) };
  });

/** Polls /healthz every 10 ms until `done` settles: the times to answer (ms), ascending. */
async function healthzTimes(base: string, done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const times: number[] = [];
  while (!finished) {
    const t = performance.now();
    const r = await fetch(`${base}/healthz`);
    await r.arrayBuffer();
    expect(r.status).toBe(200);
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  return times.sort((a, b) => a - b);
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});

describe('bounded work per request (cashflow serve on a 512 MB heap)', () => {
  let api: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    // the time limit out of the way: on a loaded machine the event limit must still be what answers
    api = await serve({ API_SYNC_TIMEOUT_MS: '600000' });
  });

  it("answers the heavy requests at once (300 and 40 copies of a 9999-maturity case 422 naming the limit, one copy's 16 MB, a body nested 20,000 deep 400) with /healthz answered throughout, and lives on", async () => {
    const one = copies(1);
    // built before /healthz is timed: serializing them here would delay the polls
    const bodies = [copies(300), copies(40), one].map((b) => JSON.stringify(b));
    const deepBody = `{"a":{"terms":${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`;
    const answers = Promise.all([...bodies, deepBody].map((b) => sent(api.base, b)));
    const health = await healthzTimes(api.base, answers);
    const [many, forty, single, deep] = await answers;

    // 500,000 / 95,822 events per case: the sixth case passes the limit
    for (const [r, n] of [
      [many, 300],
      [forty, 40],
    ] as const) {
      expect(r.status).toBe(422);
      expect(JSON.parse(r.bytes.toString()).error).toMatch(
        new RegExp(
          `^the answer would hold more than 500000 events \\(API_SYNC_MAX_EVENTS\\): 6 of ${n} cases computed gave 574932; the largest, "c0", has 95822 events; `,
        ),
      );
    }
    expect(deep.status).toBe(400);
    // one copy: 16 MB, as `cashflow actus` prints it, and exactly that many bytes announced
    expect(single.status).toBe(200);
    const text = single.bytes.toString();
    expect(text).toBe(`${testBedResultText(one)}\n`);
    expect(JSON.parse(text).c0).toHaveLength(95_822);

    // Computing on the main thread, every poll during the requests waited for them (seconds,
    // then "JavaScript heap out of memory"). What is left on the main thread per request is
    // parsing, validating and writing, a few ms of CPU; a poll's time is then mostly the wait
    // for a core: on the shared two-core test machine (load average 15-25) /healthz with nothing
    // running has shown single answers of 95 ms, and under these requests (here, 650-740 polls)
    // p90 18-29 ms, p99 93-107 ms, max 360 ms. The bounds leave room for that and stay far below
    // a request's seconds; the figures against the goal of 100 ms are in bench/README.md.
    expect(health.length).toBeGreaterThan(10);
    expect(health[Math.floor(health.length * 0.9)]).toBeLessThan(100);
    expect(health.at(-1)).toBeLessThan(1000);
    expect(api.child.exitCode).toBeNull();

    // the same process answers the next request
    const next = await post(api.base, JSON.stringify(one));
    expect(next.status).toBe(200);
    expect(Number(next.headers.get('content-length'))).toBe(single.bytes.length);
    expect(await next.text()).toBe(text);
  });

  it('answers a body nested 20,000 deep and one with a __proto__ key 400, saying what is wrong', async () => {
    const deep = await post(api.base, `{"a":{"terms":${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`);
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { error: string }).error).toMatch(
      /^body nested deeper than 64 levels of objects and arrays/,
    );
    const proto = await post(api.base, '{"a":{"terms":{"__proto__":{"contractType":"PAM"}}}}');
    expect(proto.status).toBe(400);
    expect(((await proto.json()) as { error: string }).error).toBe(
      'keys named __proto__ or constructor (with or without prototype) are not accepted, at any depth: found /a/terms/__proto__',
    );
  });

  it('refuses a request computing longer than API_SYNC_TIMEOUT_MS with 422 naming it', async () => {
    const slow = await serve({ API_SYNC_TIMEOUT_MS: '300', API_SYNC_MAX_EVENTS: '100000000' });
    const r = await post(slow.base, JSON.stringify(copies(40)));
    expect(r.status).toBe(422);
    expect(((await r.json()) as { error: string }).error).toMatch(
      /^computing took more than 300 ms \(API_SYNC_TIMEOUT_MS\): \d+ of 40 cases computed in \d+ ms/,
    );
    // and answers the next one (a case of 27 events)
    const small = farCase(0);
    small.terms.maturityDate = '2017-01-15T00:00:00';
    expect((await post(slow.base, JSON.stringify({ a: small }))).status).toBe(200);
  });
});
