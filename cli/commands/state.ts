import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('state')
    .description('Redis state: rebuild')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`state` is not available yet (issue 6)', 2);
    });
}
