import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('actus')
    .description('compute an ACTUS test bed file and print the events as JSON')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`actus` is not available yet (issue 4)', 2);
    });
}
