// A worker thread of the sync compute pool (api/compute-pool.ts): computes the cases it is sent
// under the request's budget and hands the answer's bytes back without copying them.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { TestBedCase } from '../engine/index.js';
import { computeCases, type SyncBudget } from './sync-compute.js';

export interface ComputeTask {
  id: number;
  cases: TestBedCase[];
  budget: SyncBudget;
}

// Below the main thread in the scheduler's eyes (Linux: a thread's own nice value, set through
// its id): when the cores are busy, /healthz and the requests on the main thread come first.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
} catch {
  // elsewhere the worker runs at the process's priority
}

const port = parentPort;
if (!port) throw new Error('api/compute-worker.js runs as a worker thread of api/compute-pool.js');
port.on('message', (task: ComputeTask) => {
  const outcome = computeCases(task.cases, task.budget);
  if (!outcome.ok) port.postMessage({ id: task.id, outcome });
  else {
    // a copy of exactly the bytes written, so that only they cross (the writer's array is larger)
    const bytes = outcome.bytes.slice();
    port.postMessage({ id: task.id, outcome: { ...outcome, bytes } }, [bytes.buffer]);
  }
});
