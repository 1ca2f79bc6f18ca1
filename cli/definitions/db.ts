// `cashflow db migrate | check`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/db.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  const db = program.command('db').description('database schema');
  db.command('migrate')
    .description('create the database if missing and apply pending migrations')
    .option(
      '--publication <name>',
      'PostgreSQL publication for Debezium (default CDC_PUBLICATION_NAME or cashflow_cdc)',
    );

  db.command('check')
    .description('check the database server for what CDC and the pipeline need; exit 1 if a check fails')
    .option('--publication <name>', 'PostgreSQL publication (default CDC_PUBLICATION_NAME or cashflow_cdc)')
    .option('--slot <name>', 'PostgreSQL replication slot (default CDC_SLOT_NAME or cashflow_cdc)');
}
