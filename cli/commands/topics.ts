import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('topics')
    .description('create or update the topics of the topology: apply')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`topics` is not available yet (issue 6)', 2);
    });
}
