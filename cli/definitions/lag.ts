// `cashflow lag`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/lag.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('lag')
    .description(
      "each processor's consumer lag per partition (records and seconds); --serve exports it on /metrics for Prometheus",
    )
    .option('--serve', 'serve /metrics, /healthz until SIGTERM/SIGINT instead of printing once')
    .option(
      '--port <port>',
      'port of --serve (env CASHFLOW_LAG_EXPORTER_PORT, default 9463; 0 = any free port)',
    )
    .option('--topic-prefix <prefix>', 'prefix of every topic and consumer group (env CASHFLOW_TOPIC_PREFIX)')
    .option('--json', 'print the partitions as JSON');
}
