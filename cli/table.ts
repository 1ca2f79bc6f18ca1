// The command table. Each command's definition (its arguments, options and help) is loaded on
// every run, so that `cashflow --help` lists them all; the module of its action is loaded only
// when that command runs. This is the one place where the command line imports lazily: each
// action module imports what it needs statically, and `actus`, `bench engine`, `topology` and
// `--help` never load the Kafka client nor a database or Redis driver (docs/interfaces.md).
import type { Command } from 'commander';
import * as actus from './definitions/actus.js';
import * as bench from './definitions/bench.js';
import * as chaos from './definitions/chaos.js';
import * as config from './definitions/config.js';
import * as connectors from './definitions/connectors.js';
import * as db from './definitions/db.js';
import * as demo from './definitions/demo.js';
import * as inspect from './definitions/inspect.js';
import * as lag from './definitions/lag.js';
import * as recalc from './definitions/recalc.js';
import * as reset from './definitions/reset.js';
import * as run from './definitions/run.js';
import * as schemas from './definitions/schemas.js';
import * as serve from './definitions/serve.js';
import * as stack from './definitions/stack.js';
import * as start from './definitions/start.js';
import * as state from './definitions/state.js';
import * as stop from './definitions/stop.js';
import * as topics from './definitions/topics.js';
import * as topology from './definitions/topology.js';
import * as trace from './definitions/trace.js';
import * as verify from './definitions/verify.js';

/** The commands in the order `cashflow --help` lists them. */
const definitions: { define(program: Command): void }[] = [
  stack, start, stop, db, topics, schemas, connectors, run, serve, recalc, state, inspect,
  topology, actus, bench, demo, verify, config, reset, lag, chaos, trace,
];

/** What commander hands an action: the arguments, the options, the command. */
type Action = (...args: never[]) => Promise<void>;

/** Each command (`<command> [<subcommand>]`) → its action, loaded when it runs. */
export const actions: Record<string, () => Promise<Action>> = {
  'stack up': async () => (await import('./commands/stack.js')).up,
  'stack down': async () => (await import('./commands/stack.js')).down,
  'stack status': async () => (await import('./commands/stack.js')).status,
  'stack logs': async () => (await import('./commands/stack-logs.js')).action,
  start: async () => (await import('./commands/start.js')).action,
  stop: async () => (await import('./commands/stop.js')).action,
  'db migrate': async () => (await import('./commands/db.js')).migrate,
  'db check': async () => (await import('./commands/db.js')).check,
  'topics apply': async () => (await import('./commands/topics.js')).action,
  'schemas apply': async () => (await import('./commands/schemas.js')).action,
  'connectors apply': async () => (await import('./commands/connectors.js')).action,
  run: async () => (await import('./commands/run.js')).action,
  serve: async () => (await import('./commands/serve.js')).action,
  recalc: async () => (await import('./commands/recalc.js')).action,
  'state rebuild': async () => (await import('./commands/state.js')).action,
  inspect: async () => (await import('./commands/inspect.js')).action,
  topology: async () => (await import('./commands/topology.js')).action,
  actus: async () => (await import('./commands/actus.js')).action,
  'bench engine': async () => (await import('./commands/bench-engine.js')).action,
  'bench pipeline': async () => (await import('./commands/bench-pipeline.js')).action,
  'bench cold-start': async () => (await import('./commands/bench-cold-start.js')).action,
  'bench verify': async () => (await import('./commands/bench-verify.js')).action,
  'bench api': async () => (await import('./commands/bench-api.js')).action,
  'bench table': async () => (await import('./commands/bench-table.js')).action,
  demo: async () => (await import('./commands/demo.js')).action,
  verify: async () => (await import('./commands/verify.js')).action,
  config: async () => (await import('./commands/config.js')).action,
  reset: async () => (await import('./commands/reset.js')).action,
  lag: async () => (await import('./commands/lag.js')).action,
  chaos: async () => (await import('./commands/chaos.js')).action,
  trace: async () => (await import('./commands/trace.js')).action,
};

/** A command's name as the table knows it: its parents' names and its own. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Every command without subcommands, depth first. */
export function leafCommands(program: Command): Command[] {
  return program.commands.flatMap((c) => (c.commands.length ? leafCommands(c) : [c]));
}

/** Defines every command on `program`, each running its action from the table. */
export function defineCommands(program: Command): void {
  for (const d of definitions) d.define(program);
  for (const command of leafCommands(program)) {
    const load = actions[commandPath(command)];
    if (load) command.action(async (...args: unknown[]) => ((await load()) as (...a: unknown[]) => Promise<void>)(...args));
  }
}
