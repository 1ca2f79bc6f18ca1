import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('stack')
    .description('start, stop and check the local stack: up|down|status|logs')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`stack` is not available yet (issue 3)', 2);
    });
}
