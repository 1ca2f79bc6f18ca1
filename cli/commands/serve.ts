import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`serve` is not available yet (issue 7)', 2);
    });
}
