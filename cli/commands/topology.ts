import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('topology')
    .description('print the topics and processors graph')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`topology` is not available yet (issue 6)', 2);
    });
}
