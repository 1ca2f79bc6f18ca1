// The Dockerfile cannot be built here (no container runtime): this proves what keeps it
// buildable and safe: two stages on one pinned base, a non-root user the Kubernetes manifests
// agree with, an entry point that exists, and a .dockerignore that keeps the host's build
// output and secrets out without dropping anything the build needs.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const repo = resolve(import.meta.dirname, '..');
const dockerfile = readFileSync(resolve(repo, 'Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(resolve(repo, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order, continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [keyword, ...rest] = l.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

const all = instructions(dockerfile);
/** ARGs declared before the first FROM, with their defaults: what FROM lines may use. */
const globalArgs = new Map(
  all
    .slice(
      0,
      all.findIndex((i) => i.keyword === 'FROM'),
    )
    .filter((i) => i.keyword === 'ARG')
    .map((i) => i.args.split('=') as [string, string]),
);
const stages: { base: string; name?: string; body: Instruction[] }[] = [];
for (const i of all) {
  if (i.keyword === 'FROM') {
    const [image, as, name] = i.args.split(/\s+/);
    const base = image!.replace(/\$\{(\w+)\}/g, (_, n: string) => globalArgs.get(n) ?? `<unset ${n}>`);
    stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] });
  } else stages.at(-1)?.body.push(i);
}
const runtime = stages.at(-1)!;
const last = (stage: (typeof stages)[number], keyword: string) =>
  stage.body.filter((i) => i.keyword === keyword).at(-1);

/** .dockerignore patterns (no negations are used), each a path prefix or a glob. */
const ignored = readFileSync(resolve(repo, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
function isIgnored(path: string): boolean {
  return ignored.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]]/g, '\\$&')
        .replace(/\*\*\//g, '(?:.*/)?')
        .replace(/\*/g, '[^/]*')}(?:/.*)?$`,
    );
    return regex.test(path);
  });
}

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, both on one base pinned to an exact version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages)
      expect(s.base, 'base image').toMatch(/^[\w./-]+(:\d+\.\d+\.\d+[\w.-]*|@sha256:[0-9a-f]{64})$/);
    expect(
      new Set(stages.map((s) => s.base)).size,
      'build and runtime on the same base (native modules)',
    ).toBe(1);
    const build = stages[0]!;
    expect(build.name).toBeDefined();
    const copyFrom = runtime.body.filter((i) => i.keyword === 'COPY' && i.args.includes('--from='));
    expect(copyFrom.map((i) => /--from=(\S+)/.exec(i.args)![1])).toEqual([build.name]);
    // the build stage installs from the lock, builds with the project's script and drops dev dependencies
    const runs = build.body
      .filter((i) => i.keyword === 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toContain('npm run build');
    expect(packageJson.scripts.build).toBeDefined();
    expect(runs).toContain('npm prune --omit=dev');
    // every file the build stage copies by name exists
    for (const copy of build.body.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
      const sources = copy.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1);
      for (const source of sources) expect(existsSync(resolve(repo, source)), source).toBe(true);
    }
  });

  it('runs as a numeric non-root user, node itself as the entry point (so SIGTERM reaches the process)', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
    const entrypoint = JSON.parse(last(runtime, 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(existsSync(resolve(repo, entrypoint[1]!)), entrypoint[1]).toBe(true);
    expect(JSON.parse(last(runtime, 'CMD')!.args)).toEqual(['run']);
  });

  it('runs as the user the Kubernetes manifests declare for its containers', () => {
    const uid = Number(last(runtime, 'USER')!.args.split(':')[0]);
    const manifests = ['processor-pod.yaml', 'api.yaml', 'setup-job.yaml', 'lag-exporter.yaml'].map((f) =>
      readFileSync(resolve(repo, 'deploy/kubernetes/base', f), 'utf8'),
    );
    for (const text of manifests)
      for (const doc of parseAllDocuments(text)) {
        const o = doc.toJS() as {
          kind: string;
          spec?: { template?: { spec?: { securityContext?: { runAsUser?: number } } } };
        };
        if (o.kind === 'Deployment' || o.kind === 'Job')
          expect(o.spec?.template?.spec?.securityContext?.runAsUser, o.kind).toBe(uid);
      }
  });
});

describe('.dockerignore', () => {
  it("keeps the host's build output, the local stack and secrets out of the build context", () => {
    for (const path of [
      'node_modules',
      'node_modules/avsc/index.js',
      'dist',
      '.stack',
      '.stack/secrets/ca.pem',
      '.git',
      '.env',
      '.env.local',
      'certs/server.key',
      'ops/ca.pem',
      'coverage',
      'bench/out',
      'demo-out',
    ])
      expect(isIgnored(path), path).toBe(true);
  });

  it('keeps everything the build compiles', () => {
    const build = JSON.parse(readFileSync(resolve(repo, 'tsconfig.json'), 'utf8')) as { include: string[] };
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'bin/cashflow.js',
      'schemas/avro',
      'db/sql',
      ...build.include,
    ])
      expect(isIgnored(path), path).toBe(false);
  });
});
