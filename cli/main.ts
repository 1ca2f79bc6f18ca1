// Entry point of the `cashflow` binary. The command table (cli/table.ts) loads only the module
// of the command being run.
import { Command, CommanderError } from 'commander';
import { defineCommands } from './table.js';

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
  defineCommands(program);
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
