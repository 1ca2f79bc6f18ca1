import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('bring the stack up, apply migrations, topics, schemas, connectors, start processors')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`start` is not available yet (issue 6)', 2);
    });
}
