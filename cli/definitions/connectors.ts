// `cashflow connectors apply`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/connectors.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  const connectors = program.command('connectors').description('Debezium source connectors');
  connectors
    .command('apply')
    .description('create or update the source connector of DATABASE_DIALECT')
    .option('--no-wait', 'do not wait for the connector to run')
    .option('--print', 'print the config (secrets masked) instead of applying it');
}
