import type { Command } from 'commander';
import { configUses } from '../command.js';

// `cashflow schemas apply`: registers schemas/avro/*.avsc for our topics, BACKWARD compatible.
export function register(program: Command): void {
  const schemas = program.command('schemas').description('Avro schemas in the registry');
  schemas
    .command('apply')
    .description('register the value schema of every Avro topic (BACKWARD compatibility)')
    .action(async () => {
      const { loadConfig } = await import('../../config/config.js');
      const { topologyFromConfig } = await import('../../topology/topology.js');
      const { registerSchemas } = await import('../../clients/schema-registry.js');
      const { withClients } = await import('../../clients/scope.js');
      const config = loadConfig(process.env, ['schemaRegistryUrl', 'clients', ...configUses.topology]);
      await withClients(config, (clients) => clients.meet('schema-registry'));
      for (const s of await registerSchemas(config, topologyFromConfig(config))) {
        process.stdout.write(`${s.subject} ${s.record} id=${s.id}\n`);
      }
    });
}
