// `cashflow start`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/start.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('start')
    .description('bring the stack up, apply migrations, topics, schemas, connectors, and start every processor in the background')
    .option('--calculators <n>', 'calculator processes (one consumer group shares the partitions)', '1')
    .option('--monitoring', 'also Prometheus in the stack and the lag exporter beside the processors (env CASHFLOW_STACK_MONITORING=1)')
    .option('--tracing', 'also Zipkin in the stack, and the processors export their traces to it (OTEL_TRACES_EXPORTER=zipkin; env CASHFLOW_STACK_TRACING=1)')
    .option('--wait', 'then wait, with progress bars (rows snapshotted, contracts computed), until every source row is on its CDC topic and every contract has its result: a first start against a book already in the database');
}
