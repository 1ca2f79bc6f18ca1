// `cashflow schemas apply`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/schemas.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  const schemas = program.command('schemas').description('Avro schemas in the registry');
  schemas
    .command('apply')
    .description('register the value schema of every Avro topic (BACKWARD compatibility)');
}
