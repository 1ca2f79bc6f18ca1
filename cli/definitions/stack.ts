// `cashflow stack up | down | status | logs`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/stack.ts and stack-logs.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'start, stop and check the local stack (Kafka, registry, Connect + Debezium, PostgreSQL, Redis)',
    );

  stack
    .command('up')
    .description('download once, start what is not running, wait until every part answers')
    .option(
      '--monitoring',
      'also start Prometheus (STACK_PROMETHEUS_PORT, default 9090), scraping every process the CLI starts, with the alert rules of ops/prometheus (env CASHFLOW_STACK_MONITORING=1)',
    )
    .option(
      '--tracing',
      'also start Zipkin (STACK_ZIPKIN_PORT, default 9411), the trace backend OTEL_TRACES_EXPORTER=zipkin exports to (env CASHFLOW_STACK_TRACING=1)',
    )
    .option(
      '--secure',
      "the broker's client listener speaks SASL_SSL (SCRAM-SHA-512 over TLS; CA, certificate and users made in <stack dir>/secrets); the folder stays secure",
    );

  stack
    .command('down')
    .description(
      'stop the processes that `stack up` started (PostgreSQL and a Redis it did not start are left alone)',
    );

  stack
    .command('status')
    .description(
      'one line per component: <component> <healthy|unhealthy> <url> <detail>; exit 0 iff all healthy',
    )
    .option('--monitoring', 'also report Prometheus (env CASHFLOW_STACK_MONITORING=1)')
    .option('--tracing', 'also report Zipkin (env CASHFLOW_STACK_TRACING=1)');

  stack
    .command('logs')
    .description("the log file of each process, or the tail of one component's log")
    .argument('[component]', 'kafka, schema-registry, connect, redis, prometheus or zipkin')
    .option('-f, --follow', 'keep printing as the log grows')
    .option('-n, --lines <n>', 'lines to print', '100');
}
