// `cashflow stack up | down | status | logs`: the local stack (stack/). Everything heavy is
// imported inside the actions.
import type { Command } from 'commander';
import type { ConfigPath } from '../../config/config.js';
import { UserFacingError, configUses } from '../command.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

async function loadStackConfig(uses: ConfigPath[] = configUses.stack) {
  const { loadConfig } = await import('../../config/config.js');
  return loadConfig(process.env, uses);
}

/** The stack's configuration with what the options add (Prometheus, Zipkin). */
async function stackConfigWith(opts: { monitoring?: boolean; tracing?: boolean }) {
  const loaded = await loadStackConfig(opts.tracing ? [...configUses.stack, 'tracing'] : configUses.stack);
  const { withMonitoring, withTracing } = await import('../../config/config.js');
  const monitored = opts.monitoring ? withMonitoring(loaded) : loaded;
  return opts.tracing ? withTracing(monitored) : monitored;
}

/** Stack problems are the user's to fix: message only, no stack trace. */
async function userFacing<T>(work: () => Promise<T>): Promise<T> {
  const { StackError } = await import('../../stack/errors.js');
  const { ArtifactError } = await import('../../stack/artifacts.js');
  try {
    return await work();
  } catch (e) {
    if (e instanceof StackError) throw new UserFacingError(e.message);
    if (e instanceof ArtifactError)
      throw new UserFacingError(`artifacts: ${e.message}\n(check network access to Maven Central and ~/.m2)`);
    throw e;
  }
}

export function register(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'start, stop and check the local stack (Kafka, registry, Connect + Debezium, PostgreSQL, Redis)',
    );

  stack
    .command('up')
    .description('download once, start what is not running, wait until every part answers')
    .option(
      '--monitoring',
      'also start Prometheus (STACK_PROMETHEUS_PORT, default 9090), scraping every process the CLI starts, with the alert rules of ops/prometheus (env CASHFLOW_STACK_MONITORING=1)',
    )
    .option(
      '--tracing',
      'also start Zipkin (STACK_ZIPKIN_PORT, default 9411), the trace backend OTEL_TRACES_EXPORTER=zipkin exports to (env CASHFLOW_STACK_TRACING=1)',
    )
    .option(
      '--secure',
      "the broker's client listener speaks SASL_SSL (SCRAM-SHA-512 over TLS; CA, certificate and users made in <stack dir>/secrets); the folder stays secure",
    )
    .action(async (opts: { monitoring?: boolean; tracing?: boolean; secure?: boolean }) => {
      const config = await stackConfigWith(opts);
      const { stackUp } = await import('../../stack/up.js');
      const { formatStatus, statusHints } = await import('../../stack/status.js');
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
    });

  stack
    .command('down')
    .description(
      'stop the processes that `stack up` started (PostgreSQL and a Redis it did not start are left alone)',
    )
    .action(async () => {
      const config = await loadStackConfig();
      const { stackDown } = await import('../../stack/down.js');
      const stopped = await userFacing(() => stackDown(config, say));
      say(
        stopped.length === 0 ? 'stack: nothing of ours was running' : `stack: stopped ${stopped.join(', ')}`,
      );
    });

  stack
    .command('status')
    .description(
      'one line per component: <component> <healthy|unhealthy> <url> <detail>; exit 0 iff all healthy',
    )
    .option('--monitoring', 'also report Prometheus (env CASHFLOW_STACK_MONITORING=1)')
    .option('--tracing', 'also report Zipkin (env CASHFLOW_STACK_TRACING=1)')
    .action(async (opts: { monitoring?: boolean; tracing?: boolean }) => {
      const config = await stackConfigWith(opts);
      const { checkComponent } = await import('../../stack/health.js');
      const { formatStatus, statusHints } = await import('../../stack/status.js');
      const { reportedComponents, stackLayout } = await import('../../stack/layout.js');
      const { clientEnvFile, isSecureStack } = await import('../../stack/secure.js');
      const { stackVersions } = await import('../../stack/versions.js');
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
    });

  stack
    .command('logs')
    .description("the log file of each process, or the tail of one component's log")
    .argument('[component]', 'kafka, schema-registry, connect, redis, prometheus or zipkin')
    .option('-f, --follow', 'keep printing as the log grows')
    .option('-n, --lines <n>', 'lines to print', '100')
    .action(async (component: string | undefined, opts: { follow?: boolean; lines: string }) => {
      const config = await loadStackConfig(['stack']);
      const { logPaths, isProcessComponent } = await import('../../stack/logs.js');
      const paths = logPaths(config.stack.dir);
      if (component === undefined) {
        for (const p of paths)
          process.stdout.write(`${p.component} ${p.path}${p.exists ? '' : ' (not started yet)'}\n`);
        return;
      }
      if (!isProcessComponent(component)) {
        throw new UserFacingError(
          `stack logs: unknown component "${component}" (one of ${paths.map((p) => p.component).join(', ')}; PostgreSQL logs to its own cluster log)`,
          2,
        );
      }
      const entry = paths.find((p) => p.component === component)!;
      if (!entry.exists)
        throw new UserFacingError(
          `stack logs: ${component} has no log yet at ${entry.path} (it was not started by cashflow stack up)`,
        );
      const { spawn } = await import('node:child_process');
      const args = ['-n', opts.lines, ...(opts.follow ? ['-F'] : []), entry.path];
      await new Promise<void>((resolve) =>
        spawn('tail', args, { stdio: 'inherit' }).on('close', () => resolve()),
      );
    });
}
