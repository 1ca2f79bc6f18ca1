// `cashflow serve`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/serve.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API (API_PORT, default 8090; docs at /docs, OpenAPI at /openapi.json)')
    .option('--port <port>', 'port (env API_PORT, default 8090; 0 = any free port)')
    .option('--host <host>', 'interface to listen on (env API_HOST, default 127.0.0.1)')
    .option('--topic-prefix <prefix>', 'prefix of every topic (env CASHFLOW_TOPIC_PREFIX)')
    .option(
      '--redis-prefix <prefix>',
      'key prefix of the pipeline state in Redis (env CASHFLOW_REDIS_PREFIX, default cashflow:)',
    )
    .option('--log', 'log every request (through the process log: stderr, CASHFLOW_LOG_FORMAT)')
    .option(
      '--instances <n>',
      'run N API processes on loopback ports behind HAProxy on the API port (health checks on /readyz; a dead instance is started again)',
    );
}
