// `cashflow db migrate`: creates the database when missing (PostgreSQL), applies the schema
// of db/sql/<dialect>/, and enables CDC (publication / sp_cdc_enable_*). Idempotent.
// `cashflow db check`: what the pipeline needs of the database server (README "SQL Server:
// first-run checklist" / PostgreSQL's wal_level, role, publication, slot), one line per
// check `<name> <ok|warn|fail> <detail>[ — <command>]`; exit 1 when a check fails.
import { loadConfig } from '../../config/config.js';
import { createDatabase } from '../../db/open.js';
import { formatCheck } from '../../db/database.js';

/** `cashflow db migrate` */
export async function migrate(options: { publication?: string }): Promise<void> {
  const config = loadConfig(process.env, ['database', 'cdc']);
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
}

/** `cashflow db check` */
export async function check(options: { publication?: string; slot?: string }): Promise<void> {
  const config = loadConfig(process.env, ['database', 'cdc']);
  const cdcUrl = config.cdc.databaseUrl ?? config.database.url;
  const cdcUser = decodeURIComponent(new URL(cdcUrl).username) || undefined;
  const database = await createDatabase(config);
  try {
    const checks = await database.check({
      publication: options.publication ?? config.cdc.publicationName,
      slot: options.slot ?? config.cdc.slotName,
      cdcUser,
    });
    for (const c of checks) process.stdout.write(`${formatCheck(c)}\n`);
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length) {
      process.stderr.write(`# ${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.name).join(', ')}\n`);
      process.exitCode = 1;
    }
  } catch (e) {
    process.stdout.write(`connection fail ${(e as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}

