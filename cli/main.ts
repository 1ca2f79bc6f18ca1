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
  trace: () => import('./commands/trace.js'),
};

/**
 * `--log json|pretty` anywhere on the line: the format of every log line of the process, as
 * CASHFLOW_LOG_FORMAT (config/config.ts reads it there). Taken out before the command is
 * found, so that its value is not read as the command; `serve --log` alone (request logs) stays.
 */
export function takeLogFormat(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const inline = /^--log=(.*)$/.exec(a);
    if (inline) env.CASHFLOW_LOG_FORMAT = inline[1];
    else if (a === '--log' && (argv[i + 1] === 'json' || argv[i + 1] === 'pretty')) env.CASHFLOW_LOG_FORMAT = argv[++i];
    else rest.push(a);
  }
  return rest;
}

export async function main(args: string[]): Promise<number | undefined> {
  const argv = takeLogFormat(args);
  const program = new Command('cashflow')
    .description('Event-driven ACTUS cash flow recalculation pipeline')
    .addHelpText('after', '\nAnywhere on the line, --log json|pretty: log lines as JSON (one object per line, default) or for people (env CASHFLOW_LOG_FORMAT).')
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
