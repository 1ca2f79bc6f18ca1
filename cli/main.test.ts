import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { takeLogFormat } from './main.js';
import { actions, commandPath, defineCommands, leafCommands } from './table.js';

describe('--log json|pretty', () => {
  it('is taken out of the line anywhere and set as CASHFLOW_LOG_FORMAT, so its value is never the command', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(takeLogFormat(['--log', 'pretty', 'run', 'calculator'], env)).toEqual(['run', 'calculator']);
    expect(env.CASHFLOW_LOG_FORMAT).toBe('pretty');
    expect(takeLogFormat(['run', '--log=json'], env)).toEqual(['run']);
    expect(env.CASHFLOW_LOG_FORMAT).toBe('json');
  });

  it("leaves serve's own --log (request logs) alone", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(takeLogFormat(['serve', '--log', '--port', '0'], env)).toEqual(['serve', '--log', '--port', '0']);
    expect(env.CASHFLOW_LOG_FORMAT).toBeUndefined();
  });
});

describe('an error for the person at the terminal', () => {
  it('is one class, UserFacingError: the platform\'s errors are of it, printed alone with their exit code', async () => {
    const { PlatformError } = await import('../platform/errors.js');
    const { UserFacingError } = await import('./command.js');
    const e = new PlatformError('stack not healthy: kafka (down)', 3);
    expect(e).toBeInstanceOf(UserFacingError);
    expect(e).toMatchObject({ message: 'stack not healthy: kafka (down)', exitCode: 3 });
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true));
    try {
      const { main } = await import('./main.js');
      expect(await main(['topology', '--format', 'nope'])).toBe(2);
    } finally {
      write.mockRestore();
    }
    expect(written).toEqual(['cashflow: --format must be text or mermaid, got "nope"\n']);
  });
});

describe('the command table', () => {
  it('has one action for every command without subcommands, and nothing else', () => {
    const program = new Command('cashflow');
    defineCommands(program);
    const defined = leafCommands(program).map(commandPath).sort();
    expect(defined).toEqual(Object.keys(actions).sort());
    expect(defined).toContain('bench engine');
  });

  // docs/interfaces.md "Commands that stay offline": what these load is the entry point, the
  // table with every definition (static imports) and their own action module (loaded by the table)
  it.each([
    ['actus', 'actus.ts'],
    ['bench engine', 'bench-engine.ts'],
    ['topology', 'topology.ts'],
    ['--help', undefined],
  ])('`cashflow %s` loads neither the Kafka client nor a database or Redis driver', (command, action) => {
    const table = readFileSync(resolve(here, 'table.ts'), 'utf8');
    const key = command.includes(' ') ? `'${command}'` : command;
    if (action) expect(table).toContain(`${key}: async () => (await import('./commands/${action.replace('.ts', '.js')}'))`);
    const packages = staticPackages([resolve(here, 'main.ts'), ...(action ? [resolve(here, 'commands', action)] : [])]);
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const HEAVY = ['@confluentinc/kafka-javascript', '@kafkajs/confluent-schema-registry', 'pg', 'mssql', 'ioredis', 'pg-copy-streams'];

/** The packages `files` load through their static imports, transitively (type-only imports are erased). */
function staticPackages(files: string[]): string[] {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)) {
      const spec = m[1];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  for (const f of files) visit(f);
  return [...packages];
}
