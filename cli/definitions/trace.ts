// `cashflow trace`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/trace.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
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
    .option('--lookback <minutes>', 'how far back --contract searches', '60');
}
