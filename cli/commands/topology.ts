// `cashflow topology`: prints the topics and processors of topology/ as text or Mermaid.
// Reads the declaration only: no Kafka, database or Redis client is loaded (docs/interfaces.md).
import { UserFacingError, configUses } from '../command.js';
import { loadConfig } from '../../config/config.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { renderMermaid, renderText } from '../../topology/render.js';

/** `cashflow topology` */
export async function action(options: { format: string }): Promise<void> {
  if (options.format !== 'text' && options.format !== 'mermaid') {
    throw new UserFacingError(`--format must be text or mermaid, got "${options.format}"`, 2);
  }
  const topology = topologyFromConfig(loadConfig(process.env, configUses.topology));
  process.stdout.write(options.format === 'mermaid' ? renderMermaid(topology) : renderText(topology));
}

