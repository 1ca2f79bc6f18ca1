import type { Command } from 'commander';
import { UserFacingError, configUses } from '../command.js';

// `cashflow topology`: prints the topics and processors of topology/ as text or Mermaid.
// Reads the declaration only: no Kafka, database or Redis client is loaded (docs/interfaces.md).
export function register(program: Command): void {
  program
    .command('topology')
    .description('print the topics and processors (text or Mermaid)')
    .option('--format <format>', 'text | mermaid', 'text')
    .action(async (options: { format: string }) => {
      if (options.format !== 'text' && options.format !== 'mermaid') {
        throw new UserFacingError(`--format must be text or mermaid, got "${options.format}"`, 2);
      }
      const { loadConfig } = await import('../../config/config.js');
      const { topologyFromConfig } = await import('../../topology/topology.js');
      const { renderMermaid, renderText } = await import('../../topology/render.js');
      const topology = topologyFromConfig(loadConfig(process.env, configUses.topology));
      process.stdout.write(options.format === 'mermaid' ? renderMermaid(topology) : renderText(topology));
    });
}
