// Section 1 of `cashflow bench api`: single-contract requests with autocannon on loopback against
// `cashflow serve`: requests/s and p50/p99 latency, once with every request a different contract
// (computed) and once repeating one (answered from the results cache), beside GET /healthz (the
// framework alone on this machine now).
import type { Request } from 'autocannon';
import { bookContract } from '../demo/synthetic-book.js';
import { cpuSecondsOf } from './process-stats.js';

export interface RequestFigures {
  requestsPerSecond: number;
  /** Requests per CPU-second of the API process: the steadier figure on a loaded machine. */
  requestsPerApiCpuSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/** The API under test: its address, the headers of a request with its key, its process. */
export interface ApiUnderTest {
  base: string;
  headers: Record<string, string>;
  pid: number;
}

export interface RequestLoad {
  connections: number;
  seconds: number;
  log: (s: string) => void;
}

/** `connections` connections sending `body(n)` for `seconds`, after 2 s of warm-up (JIT, connections). */
async function cannon(
  api: ApiUnderTest,
  o: RequestLoad,
  label: string,
  body: (n: number) => string,
  method: 'GET' | 'POST' = 'POST',
  path = '/v1/cashflows',
): Promise<RequestFigures> {
  const { base, headers } = api;
  // autocannon is a development dependency, absent from the image (Dockerfile: npm prune
  // --omit=dev): loaded only when requests are timed, so `bench api --healthz` runs without it
  const autocannon = (await import('autocannon')).default;
  let n = 0;
  // warm-up: JIT, connections
  const setupRequest = (req: Request) => (method === 'POST' ? { ...req, body: body(n++) } : req);
  await autocannon({
    url: `${base}${path}`,
    method,
    headers,
    connections: o.connections,
    duration: 2,
    requests: [{ setupRequest }],
  });
  const cpu0 = cpuSecondsOf(api.pid);
  const r = await autocannon({
    url: `${base}${path}`,
    method,
    headers,
    connections: o.connections,
    duration: o.seconds,
    requests: [{ setupRequest }],
  });
  const cpu = cpuSecondsOf(api.pid) - cpu0;
  const f = {
    requestsPerSecond: Math.round(r.requests.average),
    requestsPerApiCpuSecond: cpu > 0 ? Math.round(r.requests.total / cpu) : 0,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.non2xx,
  };
  o.log(
    `${label}: ${f.requestsPerSecond} requests/s (${f.requestsPerApiCpuSecond} per API CPU-second), p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.requests} requests, ${f.errors} errors, ${o.connections} connections)`,
  );
  return f;
}

/** The baseline (/healthz), single contracts computed, single contracts from the cache. */
export async function timeRequests(
  api: ApiUnderTest,
  o: RequestLoad,
): Promise<{ baseline: RequestFigures; computed: RequestFigures; cached: RequestFigures }> {
  const one = (i: number) => JSON.stringify({ [`c${i}`]: { terms: bookContract('PAM', i) } });
  const baseline = await cannon(api, o, 'baseline: GET /healthz (the framework alone on this machine now)', () => '', 'GET', '/healthz');
  const computed = await cannon(api, o, 'single contract, computed (a different contract each request)', (i) => one(1_000_000 + i));
  const cached = await cannon(api, o, 'single contract, cached (the same contract each request)', () => one(1));
  return { baseline, computed, cached };
}
