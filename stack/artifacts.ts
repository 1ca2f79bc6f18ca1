// Fetches the stack's jars and archives from Maven Central with `mvn` (cached in ~/.m2), then
// unpacks them under the stack folder. A stamp of the generated pom makes a second run a no-op.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackLayout } from './layout.js';
import { debeziumPlugins, type StackVersions } from './versions.js';

const dependency = (g: string, a: string, v: string) =>
  `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;

const archive = (g: string, a: string, v: string, classifier: string) =>
  `          <artifactItem><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version>` +
  `<type>tar.gz</type><classifier>${classifier}</classifier></artifactItem>`;

/**
 * The pom whose runtime dependencies are the broker, its tools and Connect (one classpath, as in
 * Kafka's own distribution), and whose `archives` execution copies the Debezium plugins and the
 * registry. maven-dependency-plugin 2.8 is pinned: 3.x reads the registry archive's parent pom,
 * which Maven Central does not serve.
 */
export function artifactsPom(v: StackVersions): string {
  const kafka = 'org.apache.kafka';
  const log4j = 'org.apache.logging.log4j';
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cashflow</groupId><artifactId>stack</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
${[
  dependency(kafka, 'kafka_2.13', v.kafka),
  dependency(kafka, 'kafka-tools', v.kafka),
  dependency(kafka, 'connect-runtime', v.kafka),
  dependency(kafka, 'connect-json', v.kafka),
  dependency(kafka, 'connect-transforms', v.kafka),
  // Kafka pins slf4j-api 1.7: the SLF4J 2 binding would silently log nothing.
  dependency(log4j, 'log4j-core', v.log4j),
  dependency(log4j, 'log4j-slf4j-impl', v.log4j),
].join('\n')}
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>2.8</version>
    <executions>
      <execution><id>libs</id><configuration>
        <includeScope>runtime</includeScope><outputDirectory>\${project.basedir}/lib</outputDirectory>
      </configuration></execution>
      <execution><id>archives</id><configuration>
        <outputDirectory>\${project.basedir}/archives</outputDirectory>
        <artifactItems>
${[
  ...debeziumPlugins.map((p) => archive('io.debezium', p.artifactId, v.debezium, 'plugin')),
  archive('io.apicurio', 'apicurio-registry-app', v.apicurio, 'all'),
].join('\n')}
        </artifactItems>
      </configuration></execution>
    </executions>
  </plugin></plugins></build>
</project>
`;
}

export function pomStamp(pom: string): string {
  return createHash('sha256').update(pom).digest('hex').slice(0, 16);
}

export class ArtifactError extends Error {}

/** Runs a tool to its end; a failure is an ArtifactError with the tail of its output. */
export function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => reject(new ArtifactError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(new ArtifactError(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${tail}`));
      }
    });
  });
}

/** Downloads (once) and unpacks everything the stack runs. Returns true when work was done. */
export async function ensureArtifacts(
  layout: StackLayout,
  versions: StackVersions,
  log: (line: string) => void,
): Promise<boolean> {
  const pom = artifactsPom(versions);
  const stampFile = join(layout.artifacts, 'stamp');
  const stamp = pomStamp(pom);
  const present =
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8').trim() === stamp &&
    existsSync(layout.lib) &&
    existsSync(layout.registryHome) &&
    debeziumPlugins.every((p) => existsSync(join(layout.plugins, p.artifactId)));
  if (present) return false;

  log('stack: fetching Kafka, Connect, Debezium and Apicurio Registry from Maven Central (cached in ~/.m2)');
  rmSync(layout.lib, { recursive: true, force: true });
  rmSync(layout.archives, { recursive: true, force: true });
  mkdirSync(layout.artifacts, { recursive: true });
  writeFileSync(join(layout.artifacts, 'pom.xml'), pom);
  await run(
    'mvn',
    ['-B', '-q', 'dependency:copy-dependencies@libs', 'dependency:copy@archives'],
    layout.artifacts,
  );

  const archives = readdirSync(layout.archives);
  const find = (prefix: string) => {
    const name = archives.find((f) => f.startsWith(prefix) && f.endsWith('.tar.gz'));
    if (!name) throw new ArtifactError(`mvn did not copy ${prefix}*.tar.gz into ${layout.archives}`);
    return join(layout.archives, name);
  };
  // Each Debezium archive has its own top-level folder: unpacked side by side under plugin.path.
  rmSync(layout.plugins, { recursive: true, force: true });
  mkdirSync(layout.plugins, { recursive: true });
  for (const p of debeziumPlugins)
    await run('tar', ['xzf', find(p.artifactId), '-C', layout.plugins], layout.root);
  // The registry archive has no top-level folder.
  rmSync(layout.registryHome, { recursive: true, force: true });
  mkdirSync(layout.registryHome, { recursive: true });
  await run('tar', ['xzf', find('apicurio-registry-app'), '-C', layout.registryHome], layout.root);
  // The archives stay in ~/.m2; no second copy here.
  rmSync(layout.archives, { recursive: true, force: true });
  writeFileSync(stampFile, `${stamp}\n`);
  return true;
}
