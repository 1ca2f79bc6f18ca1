// `cashflow topics apply`: creates the topics of topology/ (idempotent).
import { configUses } from '../command.js';
import { loadConfig } from '../../config/config.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { applyTopics } from '../../platform/topics.js';
import { withClients } from '../../dependencies/scope.js';

/** `cashflow topics apply` */
export async function action(): Promise<void> {
  const config = loadConfig(process.env, ['kafka', 'clients', ...configUses.topology]);
  await withClients(config, async (clients) => {
    const admin = await clients.admin();
    for (const o of await applyTopics(admin, topologyFromConfig(config), config)) {
      process.stdout.write(`${o.topic} ${o.action} partitions=${o.partitions}\n`);
    }
  });
}

