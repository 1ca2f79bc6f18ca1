import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('stop')
    .description('stop the processors started by `cashflow start`')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`stop` is not available yet (issue 6)', 2);
    });
}
