// The sync compute pool's own bounds, with stand-in worker scripts: a worker that exhausts its
// heap or runs far past the time limit ends, its request gets the limit, and the next request
// is computed by a fresh worker. (The real worker, api/compute-worker.ts, runs from dist/ in
// test/api-bounds.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestBedCase } from '../engine/index.js';
import { ComputePool, SyncLimitError } from './compute-pool.js';

// what the case's terms ask: allocate until the heap is exhausted, spin forever, or answer "ok"
const script = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (task) => {
  const mode = task.cases[0].terms.mode;
  if (mode === 'hog') { const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length)); }
  if (mode === 'spin') for (;;);
  const bytes = new TextEncoder().encode('"ok"');
  parentPort.postMessage({ id: task.id, outcome: { ok: true, bytes, ends: [bytes.length], events: 0 } }, [bytes.buffer]);
});
`;
const dir = mkdtempSync(join(tmpdir(), 'compute-pool-'));
const workerUrl = pathToFileURL(join(dir, 'worker.mjs'));
writeFileSync(workerUrl, script);
const task = (mode: string) => [{ terms: { mode } } as unknown as TestBedCase];

describe('ComputePool', () => {
  const pool = new ComputePool({
    workers: 1,
    heapMb: 32,
    budget: { maxEvents: 10, maxMs: 200 },
    workerUrl,
    graceMs: 100,
  });
  afterAll(() => pool.close());
  const limits = { maxEvents: 10, maxMs: 200, heapMb: 32 };

  it('answers from its worker thread', async () => {
    expect(pool.threaded).toBe(true);
    const o = await pool.run(task('ok'));
    expect(o.ok && Buffer.from(o.bytes).toString()).toBe('"ok"');
  });

  it('ends a worker that exhausts its heap: its request is over the memory limit, the next one answered', async () => {
    const o = await pool.run(task('hog'));
    expect(o).toMatchObject({ ok: false, limit: 'memory', computed: 0, total: 1 });
    expect(() => ComputePool.check(o, limits)).toThrow(SyncLimitError);
    expect(() => ComputePool.check(o, limits)).toThrow(
      'computing needed more than 32 MB of heap (API_SYNC_HEAP_MB); send fewer cases per request or an earlier horizon (`to`), or post them to /v1/jobs',
    );
    expect((await pool.run(task('ok'))).ok).toBe(true);
  });

  it('terminates a worker running past the time limit and its grace, and answers the next request', async () => {
    const started = performance.now();
    const [spun, queued] = await Promise.all([pool.run(task('spin')), pool.run(task('ok'))]);
    expect(spun).toMatchObject({ ok: false, limit: 'time' });
    // 200 ms + 100 ms of grace, then the request queued behind it on a fresh worker
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(queued.ok).toBe(true);
  });

  it('computes on the calling thread when it has no worker script', async () => {
    const inline = new ComputePool({
      workers: 1,
      heapMb: 32,
      budget: { maxEvents: 10, maxMs: 200 },
      workerUrl: new URL('file:///nonexistent/worker.js'),
    });
    expect(inline.threaded).toBe(false);
    const o = await inline.run([{ terms: { contractType: 'PAM' } }]);
    expect(o.ok && Buffer.from(o.bytes).toString()).toMatch(/^\{"error":"/);
  });
});
