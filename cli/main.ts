// Entry point of the `cashflow` binary. Only the module of the command being run is loaded.
import { Command, CommanderError } from 'commander';
import type { CommandModule } from './command.js';

const commands: Record<string, () => Promise<CommandModule>> = {
  stack: () => import('./commands/stack.js'),
  start: () => import('./commands/start.js'),
  stop: () => import('./commands/stop.js'),
  db: () => import('./commands/db.js'),
  topics: () => import('./commands/topics.js'),
  schemas: () => import('./commands/schemas.js'),
  connectors: () => import('./commands/connectors.js'),
  run: () => import('./commands/run.js'),
  serve: () => import('./commands/serve.js'),
  recalc: () => import('./commands/recalc.js'),
  state: () => import('./commands/state.js'),
  inspect: () => import('./commands/inspect.js'),
  topology: () => import('./commands/topology.js'),
  actus: () => import('./commands/actus.js'),
  bench: () => import('./commands/bench.js'),
  demo: () => import('./commands/demo.js'),
  verify: () => import('./commands/verify.js'),
  config: () => import('./commands/config.js'),
  reset: () => import('./commands/reset.js'),
  lag: () => import('./commands/lag.js'),
  chaos: () => import('./commands/chaos.js'),
};

export async function main(argv: string[]): Promise<number | undefined> {
  const program = new Command('cashflow')
    .description('Event-driven ACTUS cash flow recalculation pipeline')
    .showHelpAfterError()
    .exitOverride();
  const first = argv.find((a) => !a.startsWith('-'));
  const toLoad = first && commands[first] ? [first] : Object.keys(commands);
  for (const name of toLoad) (await commands[name]()).register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const [{ UserFacingError, CONFIGURATION_EXIT_CODE, configurationMessage }, { ConfigError }] = await Promise.all([
      import('./command.js'),
      import('../config/variables.js'),
    ]);
    if (e instanceof ConfigError) {
      process.stderr.write(configurationMessage(e.issues));
      return CONFIGURATION_EXIT_CODE;
    }
    if (e instanceof UserFacingError) {
      process.stderr.write(`cashflow: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  return undefined;
}
