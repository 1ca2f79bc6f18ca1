// Reading traces back from Zipkin's HTTP API (v2: /api/v2/trace/{id}, /api/v2/traces), for
// `cashflow trace` and the tests. Times in Zipkin's JSON are epoch microseconds.

/** One span as Zipkin's API v2 returns it (the fields we read). */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  /** Epoch µs. */
  timestamp?: number;
  /** µs. */
  duration?: number;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

export class ZipkinError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ZipkinError';
  }
}

/** Zipkin's base URL from a span endpoint (OTEL_EXPORTER_ZIPKIN_ENDPOINT ends in /api/v2/spans). */
export function zipkinBaseUrl(endpoint: string): string {
  return endpoint.replace(/\/api\/v2\/spans\/?$/, '').replace(/\/+$/, '');
}

async function getJson<T>(url: string, notFound: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new ZipkinError(
      `Zipkin does not answer at ${new URL(url).origin} (${(e as Error).message}): start it with \`cashflow stack up --tracing\` or set OTEL_EXPORTER_ZIPKIN_ENDPOINT`,
      { cause: e },
    );
  }
  if (res.status === 404) throw new ZipkinError(notFound);
  if (!res.ok)
    throw new ZipkinError(`GET ${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** The spans of one trace (32 or 16 hex digits). */
export function fetchTrace(baseUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  if (!/^([0-9a-f]{16}|[0-9a-f]{32})$/.test(traceId))
    throw new ZipkinError(`"${traceId.slice(0, 40)}" is not a trace id (16 or 32 lower-case hex digits)`);
  return getJson(
    `${baseUrl}/api/v2/trace/${traceId}`,
    `trace ${traceId} is not in Zipkin at ${baseUrl} (not sampled, not exported yet, or gone: its storage is in memory)`,
  );
}

export interface TraceQuery {
  serviceName?: string;
  spanName?: string;
  /** `key=value` tag conditions joined by ` and `. */
  annotationQuery?: string;
  /** How far back from now (ms). */
  lookbackMs?: number;
  limit?: number;
}

/** Traces matching the query, newest first as Zipkin returns them. */
export function findTraces(baseUrl: string, q: TraceQuery): Promise<ZipkinSpan[][]> {
  const params = new URLSearchParams({
    lookback: String(q.lookbackMs ?? 3_600_000),
    limit: String(q.limit ?? 10),
    endTs: String(Date.now()),
  });
  if (q.serviceName) params.set('serviceName', q.serviceName);
  if (q.spanName) params.set('spanName', q.spanName);
  if (q.annotationQuery) params.set('annotationQuery', q.annotationQuery);
  return getJson(`${baseUrl}/api/v2/traces?${params}`, `GET ${baseUrl}/api/v2/traces: not found`);
}
