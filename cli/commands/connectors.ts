import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

export function register(program: Command): void {
  program
    .command('connectors')
    .description('apply the Debezium source connectors: apply')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserFacingError('`connectors` is not available yet (issue 6)', 2);
    });
}
