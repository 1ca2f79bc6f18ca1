import type { Command } from 'commander';

// `cashflow db migrate`: creates the database when missing (PostgreSQL), applies the schema
// of db/sql/<dialect>/, and enables CDC (publication / sp_cdc_enable_*). Idempotent.
export function register(program: Command): void {
  const db = program.command('db').description('database schema');
  db.command('migrate')
    .description('create the database if missing and apply pending migrations')
    .option(
      '--publication <name>',
      'PostgreSQL publication for Debezium (default CDC_PUBLICATION_NAME or cashflow_cdc)',
    )
    .action(async (options: { publication?: string }) => {
      const { loadConfig } = await import('../../config/config.js');
      const { createDatabase } = await import('../../clients/database.js');
      const config = loadConfig();
      const database = await createDatabase(config);
      try {
        const outcome = await database.migrate({
          publication: options.publication ?? config.cdc.publicationName,
        });
        const created = outcome.createdDatabase ? ' (database created)' : '';
        const applied = outcome.applied.length ? outcome.applied.join(', ') : 'nothing to apply';
        process.stdout.write(`${database.dialect} ${outcome.database}${created}: ${applied}\n`);
        for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
      } finally {
        await database.close();
      }
    });
}
