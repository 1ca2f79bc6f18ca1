// One dependency down at a time (Kafka, the schema registry, Connect, the database, Redis),
// pointed at a port nothing listens on, on the real local stack otherwise (docs/troubleshooting.md):
// - every command that uses it ends (exit 1) with a message naming the component, its address
//   and the next step (`cashflow stack status`, the variable to check); "within its deadline"
//   is the command returning at all before the generous timeout of execFile: before this,
//   `recalc` with Kafka down and `state rebuild` with the registry down never ended;
// - a processor meeting a component that is down waits for it, says so (component, address,
//   next step) and reports not ready on /readyz, listing the dependency;
// - a processor whose registry is unreachable holds its records (none reaches the dead letter
//   topic) and processes them all once it is restarted with the real registry.
// An isolated environment (topic prefix, database, Redis prefix; no connector), removed at the
// end. Needs `npm run build` (the commands run as children through bin/cashflow.js).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoFile } from '../config/repo-file.js';
import { ComponentRequestError, isRetriable } from '../clients/errors.js';
import { createAvroCodec, createSchemaRegistry } from '../clients/schema-registry.js';
import { avroSchema } from '../schemas/avro.js';
import { createAdmin, createProducer, type Producer } from '../clients/kafka.js';
import { loadConfig, type Config } from '../config/config.js';
import { topicEnds } from '../demo/ops.js';
import { freePort } from '../stack/free-port.js';
import type { ContractTerms } from '../schemas/types.js';
import { testEnv } from './env/index.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';
import { retriesSoFar } from './support/settled.js';
import { pamTerms } from './support/pam-terms.js';
import { TestLog } from './support/test-log.js';

const testLog = new TestLog('dependency-errors');

let env: PipelineEnv;
let closed: number;
/** The variables that point the children at this file's environment. */
let childEnv: Record<string, string>;
const children: ChildProcess[] = [];

/** Where each component is pointed to be unreachable, and the address its message must name. */
function down(component: 'kafka' | 'schema-registry' | 'connect' | 'database' | 'redis'): {
  vars: Record<string, string>;
  address: string;
  variable: string;
} {
  switch (component) {
    case 'kafka':
      return {
        vars: { KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${closed}` },
        address: `127.0.0.1:${closed}`,
        variable: 'KAFKA_BOOTSTRAP_SERVERS',
      };
    case 'schema-registry':
      return {
        vars: { SCHEMA_REGISTRY_URL: `http://127.0.0.1:${closed}/apis/ccompat/v7` },
        address: `http://127.0.0.1:${closed}/apis/ccompat/v7`,
        variable: 'SCHEMA_REGISTRY_URL',
      };
    case 'connect':
      return {
        vars: { KAFKA_CONNECT_URL: `http://127.0.0.1:${closed}` },
        address: `http://127.0.0.1:${closed}`,
        variable: 'KAFKA_CONNECT_URL',
      };
    case 'database':
      // a password in the URL: the message names the address without it
      return {
        vars: { DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${closed}/cashflow` },
        address: `postgres://postgres:***@127.0.0.1:${closed}/cashflow`,
        variable: 'DATABASE_URL',
      };
    case 'redis':
      return {
        vars: { REDIS_URL: `redis://127.0.0.1:${closed}` },
        address: `redis://127.0.0.1:${closed}`,
        variable: 'REDIS_URL',
      };
  }
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cashflow …args` with `vars` over the environment; a command that does not end fails the test. */
function cashflow(args: string[], vars: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [repoFile('bin', 'cashflow.js'), ...args],
      {
        cwd: repoFile(),
        env: { ...process.env, ...childEnv, ...vars },
        timeout: 90_000,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

async function deadLetters(): Promise<bigint> {
  const admin = await createAdmin(env.config);
  try {
    return [...(await topicEnds(admin, env.topology.topic('deadLetter').name)).values()].reduce(
      (x, y) => x + y,
      0n,
    );
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  await testEnv();
  env = new PipelineEnv('deps', { connector: false });
  await env.setUp();
  closed = await freePort();
  childEnv = {
    CASHFLOW_TOPIC_PREFIX: env.topology.options.prefix,
    CASHFLOW_REDIS_PREFIX: env.redisPrefix,
    DATABASE_URL: env.config.database.url,
    CASHFLOW_CONNECT_TIMEOUT_MS: '3000',
  };
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await env?.tearDown();
});

// Every command and the components it uses (commands that write to the shared stack, such as
// `connectors apply`, appear only where their target is the one that is down).
const COMMANDS: {
  args: string[];
  uses: ('kafka' | 'schema-registry' | 'connect' | 'database' | 'redis')[];
}[] = [
  { args: ['topics', 'apply'], uses: ['kafka'] },
  { args: ['schemas', 'apply'], uses: ['schema-registry'] },
  { args: ['connectors', 'apply', '--no-wait'], uses: ['connect'] },
  { args: ['inspect', 'deadLetter'], uses: ['kafka', 'schema-registry'] },
  { args: ['recalc', '--contract', 'X'], uses: ['kafka', 'schema-registry'] },
  { args: ['recalc', '--all'], uses: ['kafka', 'schema-registry', 'database'] },
  { args: ['recalc', '--market', 'USD.SOFR'], uses: ['kafka', 'schema-registry', 'redis'] },
  { args: ['state', 'rebuild'], uses: ['kafka', 'schema-registry', 'redis'] },
];

describe('a command whose dependency is down ends with a message naming it, its address and the next step', () => {
  const cases = COMMANDS.flatMap((c) =>
    c.uses.map((component) => ({ ...c, component, name: `${c.args.join(' ')} with ${component} down` })),
  );
  it.each(cases)('$name', async ({ args, component }) => {
    const d = down(component);
    const r = await cashflow(args, d.vars);
    expect(r.code, r.stderr).toBe(1);
    const message = r.stderr.trim().split('\n').at(-1)!;
    expect(message).toContain(`cashflow: ${component} (${d.address}): unavailable: `);
    expect(message).toContain('`cashflow stack status`');
    expect(message).toContain(d.variable);
    expect(r.stderr).not.toContain('s3cret');
    // no raw librdkafka object dumps ("{ message: '[thrd:…", "fac: 'FAIL'")
    expect(r.stderr).not.toMatch(/fac: '|\[thrd:/);
    expect(r.stdout).toBe('');
  });

  it('no record reached the dead letter topic', async () => {
    expect(await deadLetters()).toBe(0n);
  });
});

/** `cashflow run <processor>` with `vars`; resolves with its metrics port once it listens. */
async function runProcessor(
  processor: string,
  vars: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; log: () => string }> {
  const port = await freePort();
  let log = '';
  const child = spawn(
    process.execPath,
    [repoFile('bin', 'cashflow.js'), 'run', processor, '--metrics-port', String(port)],
    {
      cwd: repoFile(),
      // a key prefix of their own (under the environment's, removed with it): a child stopped while
      // it rebuilds the state leaves the rebuild lock to its expiry, which the impact test below would wait out
      env: { ...process.env, ...childEnv, CASHFLOW_REDIS_PREFIX: `${env.redisPrefix}run-${port}:`, ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  return { child, port, log: () => log };
}

async function readyz(
  port: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { dependencies: Record<string, { status: string; detail?: string }> } }> {
  const r = await fetch(`http://127.0.0.1:${port}/readyz`, { headers });
  return { status: r.status, body: (await r.json()) as never };
}

describe('a processor whose dependency is down waits, says which, and is not ready', () => {
  it.each([
    { processor: 'calculator', component: 'kafka' as const },
    { processor: 'calculator', component: 'redis' as const },
  ])(
    '$processor with $component down: a warning naming it at once, /readyz 503 listing it',
    async ({ processor, component }) => {
      const d = down(component);
      const p = await runProcessor(processor, d.vars);
      try {
        const line = await eventually(`${processor} says it waits for ${component}`, async () =>
          p
            .log()
            .split('\n')
            .find((l) => l.includes(`waiting for ${component}`)),
        );
        expect(line).toContain(`${component} (${d.address}): unavailable: connection refused`);
        expect(line).toContain('`cashflow stack status`');
        expect(line).toContain(d.variable);
        const r = await eventually('/readyz answers while it waits', () =>
          readyz(p.port).catch(() => undefined),
        );
        expect(r.status).toBe(503);
        expect(Object.keys(r.body.dependencies).sort()).toEqual(['kafka', 'redis', 'schema-registry']);
        expect(r.body.dependencies[component].status).toBe('unreachable');
        // the kind of failure, never where the component is (anyone may read /readyz)
        expect(r.body.dependencies[component].detail).toBe(`${component}: connection refused`);
        expect(r.body.dependencies['schema-registry'].status).toBe('ok');
      } finally {
        p.child.kill('SIGTERM');
      }
      await new Promise((r) =>
        p.child.exitCode !== null || p.child.signalCode !== null ? r(null) : p.child.once('exit', r),
      );
    },
  );

  it('sink with the database down: runs, /readyz 503 listing the database (address without password)', async () => {
    const d = down('database');
    const p = await runProcessor('sink', d.vars);
    try {
      const r = await eventually('the sink runs and /readyz names the database', async () => {
        const x = await readyz(p.port).catch(() => undefined);
        return x && x.body.dependencies.kafka?.status === 'ok' && x;
      });
      expect(r.status).toBe(503);
      expect(Object.keys(r.body.dependencies).sort()).toEqual([
        'database',
        'kafka',
        'redis',
        'schema-registry',
      ]);
      expect(r.body.dependencies.database.status).toBe('unreachable');
      expect(r.body.dependencies.database.detail).toBe('database: connection refused');
    } finally {
      p.child.kill('SIGTERM');
    }
    await new Promise((r) =>
      p.child.exitCode !== null || p.child.signalCode !== null ? r(null) : p.child.once('exit', r),
    );
  });
});

describe("the API's /readyz lists every dependency it uses", () => {
  it('kafka, redis, the schema registry (jobs) and the database, naming the one that is down', async () => {
    const { startApi } = await import('../api/index.js');
    const d = down('schema-registry');
    const api = await startApi({
      config: loadConfig({ ...process.env, ...childEnv, ...d.vars, CASHFLOW_API_KEYS: 'readyz-key' }),
      topology: env.topology,
      redisPrefix: env.redisPrefix,
      port: 0,
    });
    try {
      const r = await eventually('the API sees Redis', async () => {
        // the dependencies are shown to a valid key only
        const x = await readyz(api.port, { 'x-api-key': 'readyz-key' });
        return x.body.dependencies?.redis.status === 'ok' && x;
      });
      expect(Object.keys(r.body.dependencies).sort()).toEqual([
        'database',
        'engine',
        'kafka',
        'redis',
        'schema-registry',
      ]);
      expect(r.body.dependencies['schema-registry']).toMatchObject({ status: 'unreachable' });
      expect(r.body.dependencies['schema-registry'].detail).toBe('schema-registry: connection refused');
      expect(r.body.dependencies.kafka.status).toBe('ok');
    } finally {
      await api.close();
    }
  });
});

describe('a registry that answers and refuses is not retriable', () => {
  it('an incompatible schema gets HTTP 409 as ComponentRequestError (not retriable), naming the registry', async () => {
    const subject = env.topology.valueSubject('contractTerms');
    const schema = avroSchema('ContractTerms');
    // a new field without a default breaks BACKWARD compatibility
    const incompatible = { ...schema, fields: [...schema.fields, { name: 'mandatory', type: 'string' }] };
    const e = await createSchemaRegistry(env.config)
      .register(subject, incompatible)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ComponentRequestError);
    expect(e).toMatchObject({ component: 'schema-registry', status: 409, retriable: false });
    expect(isRetriable(e)).toBe(false);
    expect((e as Error).message).toContain(`schema-registry (${env.config.schemaRegistryUrl}): HTTP 409`);
  });
});

describe('a processor whose registry is unreachable holds its records and dead-letters none', () => {
  const N = 20;
  let producer: Producer;

  afterAll(async () => {
    await producer?.disconnect();
  });

  it('impact: records wait while the registry is down, /readyz 503; all go through with the real registry', async () => {
    // records encoded through the real registry, as contract-ingest writes them
    const codec = createAvroCodec(env.config, env.topology);
    const encode = await codec.encoder('contractTerms');
    producer = await createProducer(env.config);
    const terms = (i: number): ContractTerms => ({
      contractId: `deps-${i}`,
      contractType: 'PAM',
      terms: JSON.stringify(pamTerms({ contractID: `deps-${i}` })),
      observedEvents: [],
      version: 1,
      updatedAt: null,
      sourceTsMs: Date.now(),
      deleted: false,
    });
    await producer.send({
      topic: env.topology.topic('contractTerms').name,
      messages: Array.from({ length: N }, (_, i) => ({ key: `deps-${i}`, value: encode(terms(i)) })),
    });

    const unreachable: Config = loadConfig({ ...process.env, ...childEnv, ...down('schema-registry').vars });
    const registryRetries: string[] = [];
    const held = await env.startProcessors({
      config: unreachable,
      processors: ['impact'],
      log: (level, message, fields) => {
        testLog.log(level, message, fields);
        const error = String(fields?.error ?? '');
        if (
          message === 'retrying after a retriable fault' &&
          error.startsWith(`schema-registry (http://127.0.0.1:${closed}/`)
        )
          registryRetries.push(error);
      },
    });
    // the batch itself (decoding its records), not only the state check at start, meets the registry
    await eventually(
      'impact retries its batch (the registry cannot be reached)',
      async () => registryRetries.length >= 2 && (await retriesSoFar(held)) >= 2,
    );
    expect(registryRetries[0]).toContain('unavailable: connection refused');
    const r = await readyz(held.port!);
    expect(r.status).toBe(503);
    expect(r.body.dependencies['schema-registry'].status).toBe('unreachable');
    expect(r.body.dependencies['schema-registry'].detail).toBe('schema-registry: connection refused');
    const committedWhileDown = (await held.metrics.recordsCommitted.get()).values.reduce(
      (n, v) => n + v.value,
      0,
    );
    expect(committedWhileDown).toBe(0);
    await held.stop();
    expect(await deadLetters()).toBe(0n);

    const through = await env.startProcessors({ processors: ['impact'], log: testLog.log });
    await eventually(
      `impact commits all ${N} records with the real registry`,
      async () =>
        (await through.metrics.recordsCommitted.get()).values
          .filter((v) => v.labels.topic === 'contractTerms')
          .reduce((n, v) => n + v.value, 0) >= N,
      120_000,
    );
    expect((await through.metrics.deadLetters.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
    expect(await deadLetters()).toBe(0n);
    const ready = await eventually('/readyz 200 with every dependency ok', async () => {
      const x = await readyz(through.port!);
      return x.status === 200 && x;
    });
    expect(Object.keys(ready.body.dependencies).sort()).toEqual(['kafka', 'redis', 'schema-registry']);
  });
});
