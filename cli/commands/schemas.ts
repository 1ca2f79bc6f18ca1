import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('schemas')
    .description('register the Avro schemas: apply')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`schemas` is not available yet (issue 6)', 2);
    });
}
