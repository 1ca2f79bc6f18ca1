// Zipkin as the stack runs it (`stack up --tracing`): the server's executable jar from Maven
// Central (io.zipkin:zipkin-server, classifier exec), on the Java 17 the stack's JVMs use, with
// its in-memory storage (a local trace backend: traces last as long as the process). Pure
// functions of the settings, plus the one download, so that a test starts a private one the
// same way.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArtifactError, run } from './artifacts.js';

export const zipkinVersion = '3.5.1';

export const zipkinJarName = (version = zipkinVersion) => `zipkin-server-${version}-exec.jar`;

/** The JVM flag that marks our Zipkin, so `down` never signals a process that reused a pid. */
export const zipkinMarker = '-Dcashflow.stack.component=zipkin';

export function zipkinArgs(jar: string, port: number): string[] {
  return [
    zipkinMarker,
    '-Xmx256m',
    // light traffic: the client compiler and one GC thread start it faster on a shared machine
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-jar',
    jar,
    `--server.port=${port}`,
  ];
}

/** Copies the server's jar into `dir` with `mvn` (cached in ~/.m2) unless it is there. Returns its path. */
export async function ensureZipkinJar(
  dir: string,
  log: (line: string) => void,
  version = zipkinVersion,
): Promise<string> {
  // absolute: mvn runs in `dir`, where a relative outputDirectory would name a folder below it
  dir = resolve(dir);
  const jar = join(dir, zipkinJarName(version));
  if (existsSync(jar)) return jar;
  mkdirSync(dir, { recursive: true });
  log(`stack: fetching Zipkin ${version} from Maven Central (cached in ~/.m2)`);
  const args = [
    '-B',
    '-q',
    // 3.x copies a single artifact without a project
    'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy',
    `-Dartifact=io.zipkin:zipkin-server:${version}:jar:exec`,
    `-DoutputDirectory=${dir}`,
  ];
  await run('mvn', args, dir);
  if (!existsSync(jar)) throw new ArtifactError(`mvn did not copy ${zipkinJarName(version)} into ${dir}`);
  return jar;
}
