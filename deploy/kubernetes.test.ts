// deploy/kubernetes: every overlay renders with `kubectl kustomize`, every object validates
// against the Kubernetes and KEDA schemas of the pinned kubernetes-models and
// @kubernetes-models/keda, and the manifests agree with the code: the topology's processors
// and partitions, the configuration's variables, the processes' endpoints.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { describeConfig } from '../config/config.js';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import type { IDeploymentSpec } from 'kubernetes-models/apps/v1/DeploymentSpec';
import type { IHorizontalPodAutoscalerSpec } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscalerSpec';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import type { IIngressSpec } from 'kubernetes-models/networking.k8s.io/v1/IngressSpec';
import type { IPodDisruptionBudgetSpec } from 'kubernetes-models/policy/v1/PodDisruptionBudgetSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IServiceSpec } from 'kubernetes-models/v1/ServiceSpec';
import { scrapeJobs } from '../monitoring/targets.js';
import { buildTopology, type ProcessorName } from '../topology/topology.js';

const root = resolve(import.meta.dirname, 'kubernetes');
const overlays = ['local', 'production'] as const;
type Overlay = (typeof overlays)[number];

/** The image our own processes run (overlays rename it; the base name is the one compose builds). */
const OUR_IMAGE = /(^|\/)cashflow-pipeline(:|$)/;
/** Variables a container may set that the configuration does not read: Node's own. */
const NODE_VARIABLES = new Set(['NODE_OPTIONS']);
/** The processors KEDA scales on lag, each on its one input topic. */
const LAG_SCALED: ProcessorName[] = ['calculator', 'sink', 'job-worker'];

/** The spec of each kind these manifests hold, as the schemas they are validated against type it. */
interface Specs {
  Deployment: IDeploymentSpec;
  Job: IJobSpec;
  Service: IServiceSpec;
  Ingress: IIngressSpec;
  HorizontalPodAutoscaler: IHorizontalPodAutoscalerSpec;
  PodDisruptionBudget: IPodDisruptionBudgetSpec;
  ScaledObject: IScaledObject['spec'];
  TriggerAuthentication: ITriggerAuthentication['spec'];
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  data?: Record<string, string>;
}
/**
 * The schema's type with every field taken as present: the tests read the fields they check, and
 * one that is missing fails its test all the same (an assertion, or reading through undefined).
 */
type Present<T> = T extends (infer U)[]
  ? Present<U>[]
  : T extends object
    ? { [K in keyof T]-?: Present<NonNullable<T[K]>> }
    : T;
/** An object of a kind with a spec, typed (the first test validates every object against its schema). */
type Of<K extends keyof Specs> = K8sObject & { kind: K; spec: Present<Specs[K]> };
type Container = Present<IContainer>;
type Workload = Of<'Deployment'> | Of<'Job'>;

function kubectl(): string {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
    return 'kubectl';
  } catch (e) {
    // Never pass silently without it: the renders are what these tests check.
    throw new Error(
      `kubectl is needed to render deploy/kubernetes (kubectl kustomize) and could not be run: ${(e as Error).message}`,
    );
  }
}

const rendered = new Map<Overlay, K8sObject[]>();
function render(overlay: Overlay): K8sObject[] {
  let objects = rendered.get(overlay);
  if (!objects) {
    const text = execFileSync(kubectl(), ['kustomize', join(root, 'overlays', overlay)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    objects = parseAllDocuments(text).map((d) => {
      if (d.errors.length) throw new Error(`overlay ${overlay}: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject;
    });
    rendered.set(overlay, objects);
  }
  return objects;
}

/** The schema classes by apiVersion and kind: an object of any other kind is refused. */
async function models(): Promise<
  Map<string, { validate(): void } & (new (o: unknown) => { validate(): void })>
> {
  const [apps, batch, core, autoscaling, networking, policy, keda] = await Promise.all([
    import('kubernetes-models/apps/v1'),
    import('kubernetes-models/batch/v1'),
    import('kubernetes-models/v1'),
    import('kubernetes-models/autoscaling/v2'),
    import('kubernetes-models/networking.k8s.io/v1'),
    import('kubernetes-models/policy/v1'),
    import('@kubernetes-models/keda/keda.sh/v1alpha1'),
  ]);
  const table = {
    'apps/v1/Deployment': apps.Deployment,
    'batch/v1/Job': batch.Job,
    'v1/ConfigMap': core.ConfigMap,
    'v1/Secret': core.Secret,
    'v1/Service': core.Service,
    'v1/Namespace': core.Namespace,
    'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
    'networking.k8s.io/v1/Ingress': networking.Ingress,
    'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
    'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject,
    'keda.sh/v1alpha1/TriggerAuthentication': keda.TriggerAuthentication,
  };
  return new Map(Object.entries(table)) as never;
}

function ofKind<K extends keyof Specs>(objects: K8sObject[], kind: K): Of<K>[];
function ofKind(objects: K8sObject[], kind: 'ConfigMap' | 'Secret'): K8sObject[];
function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}
function named<K extends keyof Specs>(objects: K8sObject[], kind: K, name: string): Of<K> {
  const found = ofKind(objects, kind).find((o) => o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}
/** Deployments and Jobs: the objects that run pods. */
const workloads = (objects: K8sObject[]): Workload[] => [
  ...ofKind(objects, 'Deployment'),
  ...ofKind(objects, 'Job'),
];
const podSpec = (o: Workload): Present<IPodSpec> => o.spec.template.spec;
const containers = (o: Workload): Container[] => podSpec(o).containers;
const ours = (objects: K8sObject[]) =>
  workloads(objects).filter((o) => containers(o).some((c) => OUR_IMAGE.test(c.image ?? '')));
const podLabels = (o: Workload): Record<string, string> => o.spec.template.metadata?.labels ?? {};

/** The ConfigMap (the generator may add a hash to its name) every one of our containers reads. */
function configData(objects: K8sObject[]): Record<string, string> {
  const maps = ofKind(objects, 'ConfigMap').filter((m) => m.metadata.name.startsWith('cashflow-config'));
  expect(maps).toHaveLength(1);
  return maps[0]!.data ?? {};
}

/** A container's environment: its ConfigMap, then its own variables (which win, as in Kubernetes). */
function environmentOf(objects: K8sObject[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const map = ofKind(objects, 'ConfigMap').find((m) => m.metadata.name === from.configMapRef?.name);
    if (!map) throw new Error(`envFrom names ConfigMap ${from.configMapRef?.name}, which is not rendered`);
    Object.assign(env, map.data);
  }
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/** The topology the rendered configuration gives (database name and schema of the CDC topics do not matter here). */
function topologyOf(objects: K8sObject[]) {
  return buildTopology({
    database: 'cashflow',
    schema: 'dbo',
    prefix: configData(objects).CASHFLOW_TOPIC_PREFIX ?? '',
  });
}

/** Which Secret and key a path under one of the container's secret mounts is. */
function secretFileOf(
  o: Workload,
  container: Container,
  path: string,
): { secret: string; key: string } | undefined {
  for (const m of container.volumeMounts ?? []) {
    const dir = `${m.mountPath.replace(/\/$/, '')}/`;
    if (!path.startsWith(dir)) continue;
    const volume = podSpec(o).volumes?.find((v) => v.name === m.name);
    if (volume?.secret?.secretName) return { secret: volume.secret.secretName, key: path.slice(dir.length) };
  }
  return undefined;
}

/**
 * The keys each Secret must hold for production, from the README's `kubectl create secret`
 * commands: the operator creates them, nothing secret is committed.
 */
function readmeSecretKeys(): Map<string, Set<string>> {
  const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Deploying it'));
  if (!section) throw new Error('README has no "Deploying it" section');
  const keys = new Map<string, Set<string>>();
  const commands = section
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => /kubectl .*create secret generic/.test(l));
  for (const command of commands) {
    const name = /create secret generic (\S+)/.exec(command)![1]!;
    const set = keys.get(name) ?? new Set<string>();
    for (const m of command.matchAll(/--from-(?:file|literal)=([^=\s]+)=/g)) set.add(m[1]!);
    keys.set(name, set);
  }
  return keys;
}

/** Keys of the Secrets an overlay renders (local), else the README's (production). */
function secretKeys(objects: K8sObject[]): (secret: string) => Set<string> | undefined {
  const local = ofKind(objects, 'Secret');
  if (local.length === 0) {
    const readme = readmeSecretKeys();
    return (secret) => readme.get(secret);
  }
  return (secret) => {
    const s = local.find((x) => x.metadata.name === secret);
    return s ? new Set(Object.keys(s.data ?? {})) : undefined;
  };
}

/** What a secret file holds for the configuration check: the local Secret's value, else a well-formed stand-in. */
const STAND_INS: Record<string, string> = {
  'database-url': 'mssql://cashflow:stand-in@sql.example.com:1433/cashflow?encrypt=true',
  'redis-url': 'rediss://:stand-in@redis.example.com:6380',
  'callback-secret': 'stand-in',
  'api-keys': 'stand-in',
  'kafka-sasl-password': 'stand-in',
  'kafka-ca.pem': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----',
};

const scratch = mkdtempSync(join(tmpdir(), 'cashflow-k8s-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(overlays)('deploy/kubernetes overlay %s', (overlay) => {
  it('renders with kubectl kustomize into objects that validate against the pinned Kubernetes and KEDA schemas', async () => {
    const objects = render(overlay);
    const schemas = await models();
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) {
      const model = schemas.get(`${o.apiVersion}/${o.kind}`);
      expect(model, `${o.apiVersion} ${o.kind} ${o.metadata.name}: a kind with no schema here`).toBeDefined();
      expect(() => new model!(o).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
      expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(
        o.kind === 'Namespace' ? undefined : 'cashflow',
      );
    }
  });

  it('runs every processor of the topology as a Deployment in its consumer group, and nothing else', () => {
    const objects = render(overlay);
    const topology = topologyOf(objects);
    const running = new Map<string, K8sObject>();
    for (const d of ofKind(objects, 'Deployment'))
      for (const c of containers(d))
        if (OUR_IMAGE.test(c.image) && c.args?.[0] === 'run') {
          expect(c.args, d.metadata.name).toHaveLength(2);
          expect(running.has(c.args[1]), `${c.args[1]} runs twice`).toBe(false);
          running.set(c.args[1], d);
        }
    expect([...running.keys()].sort()).toEqual(topology.processors.map((p) => p.name).sort());
    for (const p of topology.processors)
      expect(running.get(p.name)!.metadata.annotations?.['cashflow.io/consumer-group'], p.name).toBe(
        p.consumerGroup,
      );
  });

  it('scales calculator, sink and job-worker with KEDA on their group lag, at most one replica per partition', () => {
    const objects = render(overlay);
    const topology = topologyOf(objects);
    const scaled = ofKind(objects, 'ScaledObject');
    expect(scaled).toHaveLength(LAG_SCALED.length);
    for (const name of LAG_SCALED) {
      const processor = topology.processor(name);
      expect(processor.inputs, name).toHaveLength(1);
      const input = topology.topic(processor.inputs[0]!);
      const so = scaled.find((s) => s.spec.scaleTargetRef.name === `cashflow-${name}`);
      expect(so, name).toBeDefined();
      named(objects, 'Deployment', so!.spec.scaleTargetRef.name);
      expect(so!.spec.maxReplicaCount, name).toBe(input.partitions);
      expect(so!.spec.minReplicaCount, name).toBeGreaterThanOrEqual(1);
      expect(so!.spec.triggers).toHaveLength(1);
      const trigger = so!.spec.triggers[0];
      expect(trigger.type).toBe('kafka');
      expect(trigger.metadata.consumerGroup, name).toBe(processor.consumerGroup);
      expect(trigger.metadata.topic, name).toBe(input.name);
      expect(trigger.metadata.bootstrapServers, name).toBe(configData(objects).KAFKA_BOOTSTRAP_SERVERS);
      expect(Number(trigger.metadata.lagThreshold), name).toBeGreaterThan(0);
      // KEDA owns the replica count: a fixed one would be fought over on every apply.
      expect(named(objects, 'Deployment', `cashflow-${name}`).spec.replicas, name).toBeUndefined();
      const auth = trigger.authenticationRef?.name;
      if (auth) named(objects, 'TriggerAuthentication', auth);
      // SASL credentials reach KEDA only through an authentication object
      if (configData(objects).KAFKA_SECURITY_PROTOCOL?.startsWith('sasl')) expect(auth, name).toBeDefined();
    }
  });

  it('scales the API on CPU behind a Service and an Ingress', () => {
    const objects = render(overlay);
    const hpa = named(objects, 'HorizontalPodAutoscaler', 'cashflow-api');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'cashflow-api' });
    expect(hpa.spec.metrics.map((m) => m.resource.name)).toEqual(['cpu']);
    const api = named(objects, 'Deployment', 'cashflow-api');
    expect(api.spec.replicas).toBeUndefined();
    const service = named(objects, 'Service', 'cashflow-api');
    expect(service.spec.selector).toEqual(api.spec.selector.matchLabels);
    const port = containers(api)[0].ports.find((p) => p.name === service.spec.ports[0].targetPort);
    expect(String(port?.containerPort)).toBe(environmentOf(objects, containers(api)[0]).API_PORT);
    const ingress = named(objects, 'Ingress', 'cashflow-api');
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('cashflow-api');
  });

  it('gives every pod a disruption budget', () => {
    const objects = render(overlay);
    const budgets = ofKind(objects, 'PodDisruptionBudget');
    for (const d of ofKind(objects, 'Deployment').filter((x) => x.metadata.name.startsWith('cashflow-'))) {
      const labels = podLabels(d);
      const covering = budgets.filter((b) =>
        Object.entries(b.spec.selector.matchLabels).every(([k, v]) => labels[k] === v),
      );
      expect(covering, d.metadata.name).toHaveLength(1);
    }
  });

  it('gives every container probes (run-to-completion Jobs excepted), requests within limits, and a non-root user', () => {
    const objects = render(overlay);
    for (const w of workloads(objects)) {
      const pod = podSpec(w);
      // Service links would put KAFKA_PORT, SCHEMA_REGISTRY_PORT… into images that read them
      expect(pod.enableServiceLinks, w.metadata.name).toBe(false);
      for (const c of containers(w)) {
        const what = `${w.metadata.name}/${c.name}`;
        if (w.kind === 'Deployment') {
          expect(c.livenessProbe, what).toBeDefined();
          expect(c.readinessProbe, what).toBeDefined();
        }
        for (const resource of ['cpu', 'memory']) {
          expect(c.resources?.requests?.[resource], `${what} ${resource} request`).toBeDefined();
          expect(c.resources?.limits?.[resource], `${what} ${resource} limit`).toBeDefined();
          expect(quantity(c.resources.requests[resource]), `${what} ${resource}`).toBeLessThanOrEqual(
            quantity(c.resources.limits[resource]),
          );
        }
        const effective = security(w, c);
        expect(effective.runAsNonRoot, what).toBe(true);
        expect(effective.runAsUser, what).toBeGreaterThan(0);
        expect(effective.allowPrivilegeEscalation, what).toBe(false);
        expect(effective.capabilities?.drop, what).toContain('ALL');
      }
    }
  });

  it('probes our processes on /healthz and /readyz (the lag exporter /metrics) where they listen, scrapes /metrics there, and bounds the heap below the memory limit', () => {
    const objects = render(overlay);
    for (const w of ours(objects).filter((x) => x.kind === 'Deployment')) {
      const c = ourContainer(w);
      const env = environmentOf(objects, c);
      const listening = {
        serve: env.API_PORT,
        run: env.CASHFLOW_METRICS_PORT,
        lag: env.CASHFLOW_LAG_EXPORTER_PORT,
      }[c.args[0] as string];
      expect(listening, w.metadata.name).toBeDefined();
      // 127.0.0.1 would refuse the kubelet and the scraper, which come from the pod's address
      expect(c.args[0] === 'serve' ? env.API_HOST : env.CASHFLOW_METRICS_HOST, w.metadata.name).toBe(
        '0.0.0.0',
      );
      const portNumber = (name: string | number) =>
        String(typeof name === 'number' ? name : c.ports.find((p) => p.name === name)?.containerPort);
      expect(c.livenessProbe.httpGet.path, w.metadata.name).toBe('/healthz');
      // the lag exporter has no /readyz: its /metrics fails while it cannot read the broker
      expect(c.readinessProbe.httpGet.path, w.metadata.name).toBe(
        c.args[0] === 'lag' ? '/metrics' : '/readyz',
      );
      expect(portNumber(c.livenessProbe.httpGet.port), w.metadata.name).toBe(listening);
      expect(portNumber(c.readinessProbe.httpGet.port), w.metadata.name).toBe(listening);
      const annotations = w.spec.template.metadata.annotations ?? {};
      expect(annotations['prometheus.io/scrape'], w.metadata.name).toBe('true');
      expect(annotations['prometheus.io/port'], w.metadata.name).toBe(listening);
      expect(annotations['prometheus.io/path'], w.metadata.name).toBe('/metrics');
      // the job the alerts select on, as the local stack's discovery names it
      const job = { run: 'cashflow-processors', serve: 'cashflow-api', lag: 'cashflow-lag' }[
        c.args[0] as string
      ];
      expect(scrapeJobs, w.metadata.name).toContain(job);
      expect(podLabels(w)['cashflow.io/scrape-job'], w.metadata.name).toBe(job);
      // SIGTERM: the runner (or the API) finishes what it holds within this
      expect(podSpec(w).terminationGracePeriodSeconds, w.metadata.name).toBeGreaterThanOrEqual(30);
      const heap = /--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '');
      expect(heap, `${w.metadata.name}: NODE_OPTIONS bounds the heap`).not.toBeNull();
      expect(Number(heap![1]) * 2 ** 20, w.metadata.name).toBeLessThan(quantity(c.resources.limits.memory));
      expect(security(w, c).readOnlyRootFilesystem, w.metadata.name).toBe(true);
    }
  });

  it('sets every variable our containers pass to one the configuration reads, secrets as files of mounted Secrets', () => {
    const objects = render(overlay);
    const keysOf = secretKeys(objects);
    const localSecrets = ofKind(objects, 'Secret');
    const connect = named(objects, 'Deployment', 'cashflow-connect');
    for (const w of ours(objects)) {
      for (const c of containers(w).filter((x) => OUR_IMAGE.test(x.image))) {
        const what = `${w.metadata.name}/${c.name}`;
        const env = environmentOf(objects, c);
        // Every file a variable names is a key of a Secret mounted where it is read (in this
        // container, or in Connect's for the CDC_ variables); the configuration check reads a copy.
        const resolved: Record<string, string> = {};
        for (const [name, value] of Object.entries(env)) {
          if (!name.endsWith('_FILE')) continue;
          const [reader, readerContainer] = name.startsWith('CDC_')
            ? [connect, containers(connect)[0]]
            : [w, c];
          const file = secretFileOf(reader, readerContainer, value);
          expect(
            file,
            `${what}: ${name}=${value} is not under a Secret mounted in ${reader.metadata.name}`,
          ).toBeDefined();
          expect(keysOf(file!.secret), `${what}: Secret ${file!.secret}`).toBeDefined();
          expect(
            [...keysOf(file!.secret)!],
            `${what}: ${name} needs key ${file!.key} in Secret ${file!.secret}`,
          ).toContain(file!.key);
          const local = localSecrets.find((s) => s.metadata.name === file!.secret)?.data?.[file!.key];
          const content =
            local !== undefined ? Buffer.from(local, 'base64').toString('utf8') : STAND_INS[file!.key];
          expect(content, `${what}: a stand-in for ${file!.key}`).toBeDefined();
          const copy = join(scratch, `${overlay}-${posix.basename(value)}`);
          writeFileSync(copy, content!);
          resolved[name] = copy;
        }
        const { readings, issues } = describeConfig({ ...env, ...resolved });
        expect(issues, what).toEqual([]);
        const read = new Map(readings.map((r) => [r.variable, r]));
        for (const name of Object.keys(env)) {
          if (NODE_VARIABLES.has(name)) continue;
          if (name.endsWith('_FILE') && !read.has(name)) {
            // `<NAME>_FILE`: the configuration read <NAME> from the file
            expect(read.get(name.slice(0, -'_FILE'.length))?.origin, `${what}: ${name}`).toBe('file');
          } else expect(read.has(name), `${what}: ${name} is not a variable of config/config.ts`).toBe(true);
        }
        // Nothing is left at a default that points at the local stack.
        for (const r of readings)
          if (r.origin === 'default')
            expect(r.value ?? '', `${what}: ${r.variable} left at its local default`).not.toMatch(
              /127\.0\.0\.1|localhost/,
            );
      }
    }
  });

  it('runs the set-up steps in a Job with the same configuration as the processors', () => {
    const objects = render(overlay);
    const job = named(objects, 'Job', 'cashflow-setup');
    const c = containers(job)[0];
    const script = c.command.join(' ');
    const steps = ['db migrate', 'topics apply', 'schemas apply', 'connectors apply'];
    let at = -1;
    for (const step of steps) {
      const next = script.indexOf(`cashflow.js ${step}`);
      expect(next, step).toBeGreaterThan(at);
      at = next;
    }
    const calculator = containers(named(objects, 'Deployment', 'cashflow-calculator'))[0];
    const shared = (x: typeof c) => ({ ...environmentOf(objects, x), NODE_OPTIONS: undefined });
    expect(shared(c)).toEqual(shared(calculator));
  });

  it('runs Kafka Connect with Debezium, reached where the configuration says', () => {
    const objects = render(overlay);
    const connect = named(objects, 'Deployment', 'cashflow-connect');
    expect(containers(connect)[0].image).toMatch(/^quay\.io\/debezium\/connect:\d+\.\d+\.\d+\.Final$/);
    const url = new URL(configData(objects).KAFKA_CONNECT_URL!);
    const service = named(objects, 'Service', url.hostname);
    expect(String(service.spec.ports[0].port)).toBe(url.port);
    expect(service.spec.selector).toEqual(connect.spec.selector.matchLabels);
  });

  it('names images by an explicit version', () => {
    for (const w of workloads(render(overlay)))
      for (const c of containers(w))
        expect(c.image, `${w.metadata.name}/${c.name}`).toMatch(/:(?!latest$)[\w.-]+$/);
  });
});

describe('deploy/kubernetes production overlay', () => {
  it('commits no Secret: the README says which ones to create and with which keys', () => {
    const objects = render('production');
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const readme = readmeSecretKeys();
    // every Secret a pod mounts or KEDA reads is in the README's commands
    const needed = new Map<string, Set<string>>();
    const need = (secret: string, key?: string) =>
      needed
        .set(secret, needed.get(secret) ?? new Set())
        .get(secret)!
        .add(key ?? '');
    for (const w of workloads(objects))
      for (const v of podSpec(w).volumes ?? []) if (v.secret) need(v.secret.secretName);
    for (const t of ofKind(objects, 'TriggerAuthentication'))
      for (const r of t.spec.secretTargetRef) need(r.name, r.key);
    const references = JSON.stringify(objects).matchAll(
      /\$\{file:\/etc\/cashflow\/connect-secrets\/([^:}]+):/g,
    );
    for (const m of references) need('cashflow-connect-secrets', m[1]);
    for (const [secret, keys] of needed) {
      expect(readme.get(secret), `README creates Secret ${secret}`).toBeDefined();
      for (const key of keys)
        if (key) expect([...readme.get(secret)!], `${secret} key ${key}`).toContain(key);
    }
  });
});

/** A Kubernetes quantity (`500m`, `1`, `384Mi`, `1Gi`) as a number. */
function quantity(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(String(q));
  if (!m) throw new Error(`quantity ${q}: not one these manifests use`);
  const factor = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] as 'm'] ?? 1;
  return Number(m[1]) * factor;
}

/** The pod's security settings with the container's over them, as Kubernetes applies them. */
function security(w: Workload, c: Container) {
  return { ...podSpec(w).securityContext, ...c.securityContext };
}

function ourContainer(w: Workload): Container {
  const c = containers(w).find((x) => OUR_IMAGE.test(x.image));
  if (!c) throw new Error(`${w.metadata.name} runs no container of ours`);
  return c;
}
