// `cashflow trace <traceId> | --contract ID`: one trace read from Zipkin's API and drawn as a
// waterfall SVG (tracing/waterfall-svg.ts). Zipkin is found from OTEL_EXPORTER_ZIPKIN_ENDPOINT
// (default the stack's, STACK_ZIPKIN_PORT), as the processes export to it.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('trace')
    .description(
      "draw one trace from Zipkin as an SVG waterfall: by its id, or the newest of a contract's source changes",
    )
    .argument('[traceId]', 'the trace id (32 hex digits, as Zipkin and the logs show it)')
    .option('--contract <id>', "the newest trace of a change to this contract's source row (contracts table)")
    .option('--out <file>', 'where to write the SVG (default trace-<traceId>.svg)')
    .option(
      '--zipkin <url>',
      "Zipkin's base URL (default from OTEL_EXPORTER_ZIPKIN_ENDPOINT, else the stack's)",
    )
    .option('--lookback <minutes>', 'how far back --contract searches', '60')
    .action(
      async (
        traceId: string | undefined,
        opts: { contract?: string; out?: string; zipkin?: string; lookback: string },
      ) => {
        if ((traceId === undefined) === (opts.contract === undefined))
          throw new UserFacingError('give a trace id or --contract ID (one of them)', 2);
        const [
          { loadConfig },
          { fetchTrace, findTraces, zipkinBaseUrl, ZipkinError },
          { traceSvg },
          { integerOption },
        ] = await Promise.all([
          import('../../config/config.js'),
          import('../../tracing/zipkin-api.js'),
          import('../../tracing/waterfall-svg.js'),
          import('../command.js'),
        ]);
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
      },
    );
}
