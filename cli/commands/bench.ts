import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('bench')
    .description('benchmarks: engine | pipeline | api')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`bench` is not available yet (issue 4)', 2);
    });
}
