import type { Command } from 'commander';
import { configUses } from '../command.js';

// `cashflow topics apply`: creates the topics of topology/ (idempotent).
export function register(program: Command): void {
  const topics = program.command('topics').description('topics of the topology');
  topics
    .command('apply')
    .description('create missing topics and raise partition counts as declared in topology/')
    .action(async () => {
      const { loadConfig } = await import('../../config/config.js');
      const { topologyFromConfig } = await import('../../topology/topology.js');
      const { applyTopics } = await import('../../topology/apply.js');
      const { withClients } = await import('../../clients/scope.js');
      const config = loadConfig(process.env, ['kafka', 'clients', ...configUses.topology]);
      await withClients(config, async (clients) => {
        const admin = await clients.admin();
        for (const o of await applyTopics(admin, topologyFromConfig(config), config)) {
          process.stdout.write(`${o.topic} ${o.action} partitions=${o.partitions}\n`);
        }
      });
    });
}
