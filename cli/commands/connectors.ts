// `cashflow connectors apply`: PUTs the Debezium source connector of the configured dialect
// through the Connect REST API (idempotent: PUT /connectors/<name>/config).
import { configUses } from '../command.js';
import { loadConfig } from '../../config/config.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { sourceConnector, printable } from '../../connectors/debezium.js';
import { withClients } from '../../dependencies/scope.js';

/** `cashflow connectors apply` */
export async function action(options: { wait: boolean; print?: boolean }): Promise<void> {
  const config = loadConfig(process.env, [...configUses.topology, 'kafka', 'kafkaConnectUrl', 'cdc', 'clients']);
  const connector = sourceConnector(config, topologyFromConfig(config));
  if (options.print) {
    process.stdout.write(
      JSON.stringify({ name: connector.name, config: printable(connector.config) }, null, 2) + '\n',
    );
    return;
  }
  await withClients(config, async (clients) => {
    const connect = await clients.connect();
    const created = await connect.putConnectorConfig(connector.name, connector.config);
    process.stdout.write(`${connector.name} ${created ? 'created' : 'updated'}\n`);
    if (options.wait) {
      const status = await connect.waitForRunning(connector.name);
      process.stdout.write(
        `${connector.name} ${status.connector.state} tasks=${status.tasks.map((t) => t.state).join(',')}\n`,
      );
    }
  });
}

