import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the demo on the local stack')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`demo` is not available yet (issue 6)', 2);
    });
}
