// Configuration through the built CLI (bin/cashflow.js → dist/: needs `npm run build`): every
// command stopped by a variable it uses exits 2 with one prefix naming the variable and its
// format, before it touches anything; a variable a command does not use (API_PORT for
// `topology`, `stack status`, `verify`) does not stop it; `cashflow config` shows values,
// sources and masks secrets; `stack status` ends with the hint that fits. Nothing here writes
// to the shared stack: the commands that pass the configuration only read.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoFile } from '../config/repo-file.js';
import { freePort } from '../stack/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'cashflow-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cashflow(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [repoFile('bin', 'cashflow.js'), ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number | string; stdout: string; stderr: string; killed?: boolean };
    if (err.killed) throw new Error(`cashflow ${args.join(' ')} did not end within 60 s`);
    return { code: Number(err.code), stdout: err.stdout, stderr: err.stderr };
  }
}

describe('a wrong variable a command uses: exit 2, one prefix, the variable and its format', () => {
  const cases: [string[], Record<string, string>, string][] = [
    [['topology'], { CASHFLOW_TOPIC_PREFIX: 'a b' }, 'CASHFLOW_TOPIC_PREFIX: expected a prefix without whitespace'],
    [['topics', 'apply'], { KAFKA_BOOTSTRAP_SERVERS: 'broker' }, 'KAFKA_BOOTSTRAP_SERVERS: expected host:port'],
    [['schemas', 'apply'], { SCHEMA_REGISTRY_URL: 'registry:8081' }, 'SCHEMA_REGISTRY_URL: expected a http:// or https:// URL'],
    [['connectors', 'apply'], { CDC_SLOT_NAME: 'Slot-1' }, 'CDC_SLOT_NAME: expected a replication slot name'],
    [['db', 'migrate'], { DATABASE_DIALECT: 'oracle' }, 'DATABASE_DIALECT: expected one of postgres, mssql'],
    [['db', 'check'], { DATABASE_URL: 'mysql://u:hunter2@db/x' }, 'DATABASE_URL: expected a postgres:// or postgresql:// URL'],
    [['recalc', '--contract', 'X'], { REDIS_URL: '127.0.0.1:6379' }, 'REDIS_URL: expected a redis:// or rediss:// URL'],
    [['inspect', 'deadLetter'], { KAFKA_SECURITY_PROTOCOL: 'tls' }, 'KAFKA_SECURITY_PROTOCOL: expected one of plaintext'],
    [['state', 'rebuild'], { CASHFLOW_REDIS_PREFIX: 'a b' }, 'CASHFLOW_REDIS_PREFIX: expected a prefix without whitespace'],
    [['run', 'calculator'], { CASHFLOW_HORIZON: '30Y' }, 'CASHFLOW_HORIZON: expected an ISO 8601 period such as P30Y'],
    [['run', 'job-worker'], { API_JOB_TTL_SECONDS: 'a day' }, 'API_JOB_TTL_SECONDS: expected an integer'],
    [['serve'], { API_PORT: 'abc' }, 'API_PORT: expected an integer between 1 and 65535, got "abc"'],
    [['verify', '--all'], { CASHFLOW_HORIZON: 'garbage' }, 'CASHFLOW_HORIZON: expected an ISO 8601 period'],
    [['start'], { CASHFLOW_METRICS_BASE_PORT: '0' }, 'CASHFLOW_METRICS_BASE_PORT: expected an integer between 1 and 65535'],
    [['stop'], { CASHFLOW_TOPIC_PREFIX: 'a b' }, 'CASHFLOW_TOPIC_PREFIX'],
    [['demo'], { KAFKA_CONNECT_URL: 'connect' }, 'KAFKA_CONNECT_URL: expected a http:// or https:// URL'],
    [['stack', 'status'], { STACK_REDIS_PORT: '99999' }, 'STACK_REDIS_PORT: expected an integer between 1 and 65535'],
    [['stack', 'up'], { KAFKA_CONNECT_URL: 'connect' }, 'KAFKA_CONNECT_URL'],
    [['config'], { API_PORT: 'abc' }, 'API_PORT: expected an integer'],
  ];
  for (const [args, env, message] of cases)
    it(`cashflow ${args.join(' ')} with ${Object.keys(env).join(', ')}`, async () => {
      const r = await cashflow(args, env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`cashflow: configuration: ${message}`);
      expect(r.stderr).toContain('cashflow: configuration: `cashflow config` shows every variable');
      expect(r.stderr).not.toContain('hunter2');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });

  it('every wrong variable is named at once', async () => {
    const r = await cashflow(['run', 'calculator'], { CASHFLOW_HORIZON: '30Y', REDIS_URL: 'nope', CASHFLOW_METRICS_PORT: '-1' });
    expect(r.code).toBe(2);
    for (const v of ['CASHFLOW_HORIZON', 'REDIS_URL', 'CASHFLOW_METRICS_PORT']) expect(r.stderr).toContain(`cashflow: configuration: ${v}: `);
  });
});

describe('a wrong variable a command does not use does not stop it', () => {
  const unused = { API_PORT: 'abc', API_SYNC_WORKERS: 'many', CDC_SLOT_NAME: 'Not-A-Slot' };

  it('topology', async () => {
    const r = await cashflow(['topology'], unused);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('calculator');
  });

  it('stack status (the shared stack, read only)', async () => {
    const r = await cashflow(['stack', 'status'], { ...unused, CASHFLOW_STACK_DIR: process.env.CASHFLOW_STACK_DIR ?? '.stack' });
    expect(r.stderr).not.toContain('configuration');
    expect(r.stdout).toMatch(/^kafka (healthy|unhealthy) /m);
  });

  it('verify reaches its database (a missing one: exit 1, not a configuration error)', async () => {
    const url = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    url.pathname = '/cashflow_no_such_database_for_config_test';
    const r = await cashflow(['verify', '--contract', 'X'], { ...unused, DATABASE_URL: url.toString() });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('configuration');
  });
});

describe('cashflow config', () => {
  it('prints each variable, its value and its source, secrets masked', async () => {
    const pw = join(dir, 'sasl-password');
    writeFileSync(pw, 'file-secret\n');
    const r = await cashflow(['config'], {
      DATABASE_URL: 'postgres://app:db-secret@db.example:5432/books',
      KAFKA_SASL_PASSWORD_FILE: pw,
      CASHFLOW_API_KEYS: 'key-secret-1,key-secret-2',
      CASHFLOW_HORIZON: 'P40Y',
      KAFKA_BOOTSTRAP_SERVERS: '',
    });
    expect(r.code, r.stderr).toBe(0);
    const rows = new Map(
      r.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => {
          const [variable, value, ...source] = l.split(/\s{2,}/);
          return [variable!, { value: value!, source: source.join(' ') }];
        }),
    );
    expect(rows.get('DATABASE_URL')).toEqual({ value: 'postgres://app:***@db.example:5432/books', source: 'environment' });
    expect(rows.get('DATABASE_READ_URL')).toEqual({ value: 'postgres://app:***@db.example:5432/books', source: 'default (from DATABASE_URL)' });
    expect(rows.get('KAFKA_SASL_PASSWORD')).toEqual({ value: '***', source: `KAFKA_SASL_PASSWORD_FILE (${pw})` });
    expect(rows.get('CASHFLOW_API_KEYS')).toEqual({ value: '***', source: 'environment' });
    expect(rows.get('CASHFLOW_HORIZON')).toEqual({ value: 'P40Y', source: 'environment' });
    expect(rows.get('KAFKA_BOOTSTRAP_SERVERS')?.source).toBe('default (from STACK_KAFKA_PORT)');
    expect(rows.get('API_PORT')).toEqual({ value: process.env.API_PORT ?? '8090', source: process.env.API_PORT ? 'environment' : 'default' });
    for (const secret of ['db-secret', 'file-secret', 'key-secret']) expect(r.stdout).not.toContain(secret);
  });

  it('--json, and a wrong variable listed as INVALID, then exit 2', async () => {
    const json = await cashflow(['config', '--json'], { API_PORT: '70000' });
    expect(json.code).toBe(2);
    const rows = JSON.parse(json.stdout) as { variable: string; value: string; source: string; problem?: string }[];
    expect(rows.find((x) => x.variable === 'API_PORT')).toMatchObject({ value: '70000', source: 'environment', problem: expect.stringContaining('between 1 and 65535') });
    const text = await cashflow(['config'], { API_PORT: '70000' });
    expect(text.stdout).toMatch(/^API_PORT\s+70000\s+environment\s+INVALID: API_PORT: expected an integer/m);
  });
});

describe('stack status ends with the hint that fits', () => {
  it('clients pointed elsewhere: check the variable, not `stack up`', async () => {
    const port = await freePort();
    const r = await cashflow(['stack', 'status'], { KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^kafka unhealthy kafka://127\\.0\\.0\\.1:${port} `, 'm'));
    expect(r.stdout).toMatch(/^# kafka: nothing healthy at .*: check KAFKA_BOOTSTRAP_SERVERS/m);
    expect(r.stdout).not.toContain('start with: cashflow stack up (kafka');
  });

  it("the stack's own address with nothing there: start it", async () => {
    const port = await freePort();
    const r = await cashflow(['stack', 'status'], { STACK_REDIS_PORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^# start with: cashflow stack up \(redis\)/m);
  });
});
