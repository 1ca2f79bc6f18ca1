// `cashflow schemas apply`: registers schemas/avro/*.avsc for our topics, BACKWARD compatible.
import { configUses } from '../command.js';
import { loadConfig } from '../../config/config.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { registerSchemas } from '../../clients/schema-registry.js';
import { withClients } from '../../dependencies/scope.js';

/** `cashflow schemas apply` */
export async function action(): Promise<void> {
  const config = loadConfig(process.env, ['schemaRegistryUrl', 'clients', ...configUses.topology]);
  await withClients(config, (clients) => clients.meet('schema-registry'));
  for (const s of await registerSchemas(config, topologyFromConfig(config))) {
    process.stdout.write(`${s.subject} ${s.record} id=${s.id}\n`);
  }
}

