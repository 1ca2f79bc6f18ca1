import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('recalc')
    .description('request recalculation: --all | --contract ID | --market CODE')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`recalc` is not available yet (issue 6)', 2);
    });
}
