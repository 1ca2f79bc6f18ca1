// `cashflow stack up | down | status`: the local stack (stack/). `stack logs` is
// cli/commands/stack-logs.ts: it reads files only.
import type { ConfigPath } from '../../config/config.js';
import { UserFacingError, configUses } from '../command.js';
import { loadConfig, withMonitoring, withTracing } from '../../config/config.js';
import { StackError } from '../../stack/errors.js';
import { ArtifactError } from '../../stack/artifacts.js';
import { stackUp } from '../../stack/up.js';
import { formatStatus, statusHints } from '../../stack/status.js';
import { stackDown } from '../../stack/down.js';
import { checkComponent } from '../../stack/health.js';
import { reportedComponents, stackLayout } from '../../stack/layout.js';
import { clientEnvFile, isSecureStack } from '../../stack/secure.js';
import { stackVersions } from '../../stack/versions.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

async function loadStackConfig(uses: ConfigPath[] = configUses.stack) {
  return loadConfig(process.env, uses);
}

/** The stack's configuration with what the options add (Prometheus, Zipkin). */
async function stackConfigWith(opts: { monitoring?: boolean; tracing?: boolean }) {
  const loaded = await loadStackConfig(opts.tracing ? [...configUses.stack, 'tracing'] : configUses.stack);
  const monitored = opts.monitoring ? withMonitoring(loaded) : loaded;
  return opts.tracing ? withTracing(monitored) : monitored;
}

/** Stack problems are the user's to fix: message only, no stack trace. */
async function userFacing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof StackError) throw new UserFacingError(e.message);
    if (e instanceof ArtifactError)
      throw new UserFacingError(`artifacts: ${e.message}\n(check network access to Maven Central and ~/.m2)`);
    throw e;
  }
}

/** `cashflow stack up` */
export async function up(opts: { monitoring?: boolean; tracing?: boolean; secure?: boolean }): Promise<void> {
  const config = await stackConfigWith(opts);
  const r = await userFacing(() => stackUp(config, say, { secure: opts.secure }));
  const healthy = r.health.every((h) => h.healthy);
  const hints = [
    r.started.length === 0 ? 'already running: nothing started' : `started: ${r.started.join(', ')}`,
    ...(r.external.length > 0
      ? [`in use but not started by this stack (left alone by down): ${r.external.join(', ')}`]
      : []),
    ...(healthy
      ? [
          `stack healthy in ${r.seconds.toFixed(1)} s${r.downloaded ? ' (including downloads)' : ''}`,
          ...(config.stack.monitoring.enabled
            ? [`prometheus: http://127.0.0.1:${config.stack.ports.prometheus} (alerts: /alerts, targets: /targets)`]
            : []),
          ...(config.stack.monitoring.tracing
            ? [
                `zipkin: http://127.0.0.1:${config.stack.ports.zipkin} (processes export to it with OTEL_TRACES_EXPORTER=zipkin; one trace drawn: cashflow trace <traceId> --out trace.svg)`,
              ]
            : []),
          'logs: cashflow stack logs [component]; stop: cashflow stack down',
        ]
      : statusHints(r.health, config)),
    ...(r.secure
      ? [
          `secure stack (SASL_SSL): every client needs its variables: set -a; . ${r.secure.clientEnvFile}; set +a`,
        ]
      : []),
  ];
  process.stdout.write(formatStatus(r.health, hints));
  if (!healthy) {
    const bad = r.health.filter((h) => !h.healthy).map((h) => `${h.component} (${h.detail})`);
    throw new UserFacingError(
      `stack is up but not healthy as configured: ${bad.join(', ')}; check the variables in README "Configuration"`,
    );
  }
}

/** `cashflow stack down` */
export async function down(): Promise<void> {
  const config = await loadStackConfig();
  const stopped = await userFacing(() => stackDown(config, say));
  say(
    stopped.length === 0 ? 'stack: nothing of ours was running' : `stack: stopped ${stopped.join(', ')}`,
  );
}

/** `cashflow stack status` */
export async function status(opts: { monitoring?: boolean; tracing?: boolean }): Promise<void> {
  const config = await stackConfigWith(opts);
  const health = await Promise.all(
    reportedComponents(config.stack.monitoring.enabled, config.stack.monitoring.tracing).map((c) => checkComponent(c, config)),
  );
  const layout = stackLayout(config.stack.dir, stackVersions.apicurio);
  const unconfigured = isSecureStack(layout) && config.kafka.securityProtocol === 'plaintext';
  process.stdout.write(
    formatStatus(health, [
      // a plaintext probe of the SASL_SSL listener fails like another program's port would
      ...statusHints(health, config).filter((h) => !(unconfigured && h.startsWith('kafka:'))),
      ...(unconfigured ? [`kafka: this stack is secure (SASL_SSL): set -a; . ${clientEnvFile(layout)}; set +a`] : []),
    ]),
  );
  process.exitCode = health.every((h) => h.healthy) ? 0 : 1;
}
