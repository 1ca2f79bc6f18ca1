// The cases of a synchronous request computed under a budget (README "API", bounded work): the
// events of the answer (API_SYNC_MAX_EVENTS) and the time spent (API_SYNC_TIMEOUT_MS), checked
// after each case. A single case is bounded by the engine itself (a schedule over 100,000 dates
// is a ComputationError), so work and memory past the budget are at most one case. One PAM case
// with maturityDate 9999-12-31 is 95,846 events (16 MB of JSON, about 150 ms): 300 of them in one
// request ended the process with "JavaScript heap out of memory".
//
// Each case is written exactly as `cashflow actus` prints it (engine/testbed.ts writeCaseResult:
// computeCase, then writeEventsJson or writeErrorJson), into one byte array with the end of each
// case, so a worker thread can hand the whole answer over without copying (api/compute-pool.ts).
// Pure but for the clock.
import { JsonBytes, computeCase, writeErrorJson, writeEventsJson, type TestBedCase } from '../engine/index.js';

export interface SyncBudget {
  /** Most events computed for one request. */
  maxEvents: number;
  /** Most milliseconds spent computing one request's cases. */
  maxMs: number;
}

/** The cases' results, back to back in `bytes`: case i is bytes[ends[i-1] .. ends[i]). */
export interface SyncResults {
  ok: true;
  bytes: Uint8Array;
  ends: number[];
  events: number;
}

/** Computing stopped at a limit: what was computed until then. */
export interface SyncOverBudget {
  ok: false;
  limit: 'events' | 'time' | 'memory';
  /** Cases computed (in full) when it stopped, of `total`. */
  computed: number;
  total: number;
  events: number;
  elapsedMs: number;
  /** The case with the most events among those computed (its position among the cases sent). */
  largest?: { index: number; events: number };
}

export type SyncOutcome = SyncResults | SyncOverBudget;

export function computeCases(
  cases: readonly TestBedCase[],
  budget: SyncBudget,
  now: () => number = () => performance.now(),
): SyncOutcome {
  const started = now();
  const w = new JsonBytes(Math.min(64 * 1024, 4096 * cases.length));
  const ends: number[] = new Array(cases.length);
  let events = 0;
  let largest: { index: number; events: number } | undefined;
  for (let i = 0; i < cases.length; i++) {
    const r = computeCase(cases[i]);
    if ('error' in r) writeErrorJson(w, r.error);
    else {
      events += r.events.length;
      if (!largest || r.events.length > largest.events) largest = { index: i, events: r.events.length };
      // over the budget: stop before writing (the answer's bytes are what holds memory)
      if (events > budget.maxEvents)
        return {
          ok: false,
          limit: 'events',
          computed: i + 1,
          total: cases.length,
          events,
          elapsedMs: now() - started,
          largest,
        };
      writeEventsJson(w, r.events, r.reported);
    }
    ends[i] = w.pos;
    const elapsedMs = now() - started;
    if (elapsedMs > budget.maxMs && i + 1 < cases.length)
      return { ok: false, limit: 'time', computed: i + 1, total: cases.length, events, elapsedMs, largest };
  }
  return { ok: true, bytes: w.view(), ends, events };
}

/** Why a request went over a limit, naming it and what to do instead (the 422's message). */
export function overBudgetMessage(
  o: SyncOverBudget,
  limits: SyncBudget & { heapMb: number },
  ids?: readonly string[],
): string {
  const computed = `${o.computed} of ${o.total} cases computed`;
  const largest =
    o.largest && ids?.[o.largest.index] !== undefined
      ? `; the largest, ${JSON.stringify(ids[o.largest.index])}, has ${o.largest.events} events`
      : '';
  const instead = 'send fewer cases per request or an earlier horizon (`to`), or post them to /v1/jobs';
  switch (o.limit) {
    case 'events':
      return `the answer would hold more than ${limits.maxEvents} events (API_SYNC_MAX_EVENTS): ${computed} gave ${o.events}${largest}; ${instead}`;
    case 'time':
      return `computing took more than ${limits.maxMs} ms (API_SYNC_TIMEOUT_MS): ${computed} in ${Math.round(o.elapsedMs)} ms${largest}; ${instead}`;
    case 'memory':
      return `computing needed more than ${limits.heapMb} MB of heap (API_SYNC_HEAP_MB); ${instead}`;
  }
}
