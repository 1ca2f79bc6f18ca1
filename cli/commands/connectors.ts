import type { Command } from 'commander';
import { configUses } from '../command.js';

// `cashflow connectors apply`: PUTs the Debezium source connector of the configured dialect
// through the Connect REST API (idempotent: PUT /connectors/<name>/config).
export function register(program: Command): void {
  const connectors = program.command('connectors').description('Debezium source connectors');
  connectors
    .command('apply')
    .description('create or update the source connector of DATABASE_DIALECT')
    .option('--no-wait', 'do not wait for the connector to run')
    .option('--print', 'print the config (secrets masked) instead of applying it')
    .action(async (options: { wait: boolean; print?: boolean }) => {
      const { loadConfig } = await import('../../config/config.js');
      const { topologyFromConfig } = await import('../../topology/topology.js');
      const { sourceConnector, printable } = await import('../../connectors/debezium.js');
      const config = loadConfig(process.env, [...configUses.topology, 'kafka', 'kafkaConnectUrl', 'cdc', 'clients']);
      const connector = sourceConnector(config, topologyFromConfig(config));
      if (options.print) {
        process.stdout.write(
          JSON.stringify({ name: connector.name, config: printable(connector.config) }, null, 2) + '\n',
        );
        return;
      }
      const { withClients } = await import('../../clients/scope.js');
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
    });
}
