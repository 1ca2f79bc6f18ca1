// `cashflow run`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/run.ts.
import type { Command } from 'commander';

export const DEFAULT_METRICS_PORT = 9464;

export function define(program: Command): void {
  program
    .command('run')
    .description('run processors in this process (all when none is named): contract-ingest, market-ingest, positions-ingest, impact, calculator, sink, job-worker, verifier')
    .argument('[processors...]', 'processor names')
    .option('--metrics-port <port>', `port of /metrics, /healthz, /readyz (env CASHFLOW_METRICS_PORT, default ${DEFAULT_METRICS_PORT}; 0 = any free port)`)
    .option('--batch-size <n>', "max messages per batch (js.consumer.max.batch.size; default: the processor's own, 1000 or less)")
    .option('--topic-prefix <prefix>', 'prefix of every topic and consumer group (env CASHFLOW_TOPIC_PREFIX)')
    .option('--redis-prefix <prefix>', 'key prefix of the Redis state (env CASHFLOW_REDIS_PREFIX, default cashflow:)');
}
