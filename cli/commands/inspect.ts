import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('print decoded records of a topic')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`inspect` is not available yet (issue 6)', 2);
    });
}
