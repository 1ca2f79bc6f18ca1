// `cashflow trace <traceId> | --contract ID`: one trace read from Zipkin's API and drawn as a
// waterfall SVG (tracing/waterfall-svg.ts). Zipkin is found from OTEL_EXPORTER_ZIPKIN_ENDPOINT
// (default the stack's, STACK_ZIPKIN_PORT), as the processes export to it.
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../config/config.js';
import { traceSvg } from '../../tracing/waterfall-svg.js';
import { fetchTrace, findTraces, zipkinBaseUrl, ZipkinError } from '../../tracing/zipkin-api.js';
import { integerOption, UserFacingError } from '../command.js';

/** `cashflow trace` */
export async function action(traceId: string | undefined, opts: { contract?: string; out?: string; zipkin?: string; lookback: string }): Promise<void> {
  if ((traceId === undefined) === (opts.contract === undefined))
    throw new UserFacingError('give a trace id or --contract ID (one of them)', 2);
  const baseUrl =
    opts.zipkin?.replace(/\/+$/, '') ??
    zipkinBaseUrl(loadConfig(process.env, ['tracing']).tracing.zipkinEndpoint);
  try {
    let id = traceId?.toLowerCase();
    if (opts.contract !== undefined) {
      const traces = await findTraces(baseUrl, {
        annotationQuery: `messaging.kafka.message.key=${opts.contract}`,
        lookbackMs: integerOption(opts.lookback, 'lookback') * 60_000,
        limit: 50,
      });
      const newest = traces
        .map((t) => ({ id: t[0]?.traceId, start: Math.min(...t.map((s) => s.timestamp ?? Infinity)) }))
        .sort((a, b) => b.start - a.start)[0];
      if (!newest?.id)
        throw new UserFacingError(
          `no trace in Zipkin at ${baseUrl} has a source change of contract ${opts.contract} in the last ${opts.lookback} minutes (sampled out, or the processes export elsewhere)`,
        );
      id = newest.id;
    }
    const spans = await fetchTrace(baseUrl, id!);
    const out = opts.out ?? `trace-${id}.svg`;
    writeFileSync(out, traceSvg(spans));
    process.stderr.write(`trace ${id}: ${spans.length} spans drawn\n`);
    process.stdout.write(`${out}\n`);
  } catch (e) {
    if (e instanceof ZipkinError) throw new UserFacingError(e.message);
    throw e;
  }
}

