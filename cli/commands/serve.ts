// `cashflow serve`: the HTTP API (api/) on API_PORT until SIGTERM/SIGINT. Starts with the engine
// alone; Redis, Kafka and the read database are used when reachable (docs/interfaces.md).
import { startApi } from '../../api/index.js';
import { loadConfig } from '../../config/config.js';
import { registerThisProcess } from '../../monitoring/targets.js';
import { startBalancer } from '../../stack/balancer.js';
import { freePort } from '../../stack/free-port.js';
import { topologyFromConfig } from '../../topology/topology.js';
import { UserFacingError, configUses, integerOption } from '../command.js';

/** `cashflow serve` */
export async function action(opts: { port?: string; host?: string; topicPrefix?: string; redisPrefix?: string; log?: boolean; instances?: string }): Promise<void> {
  const config = loadConfig(process.env, [...configUses.processors, 'api']);
  let port: number | undefined;
  if (opts.port !== undefined) {
    port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UserFacingError(`--port: expected a port (0–65535), got "${opts.port}"`, 2);
  }
  const host = opts.host ?? config.api.host;
  if (opts.instances !== undefined) {
    const passed = [
      ...(opts.topicPrefix !== undefined ? ['--topic-prefix', opts.topicPrefix] : []),
      ...(opts.redisPrefix !== undefined ? ['--redis-prefix', opts.redisPrefix] : []),
      ...(opts.log ? ['--log'] : []),
    ];
    await serveBalanced(integerOption(opts.instances, 'instances'), host, port ?? config.api.port, config.stack.dir, passed);
    return;
  }
  const topology = topologyFromConfig(
    config,
    opts.topicPrefix !== undefined ? { prefix: opts.topicPrefix } : {},
  );
  let api;
  try {
    api = await startApi({
      config,
      topology,
      redisPrefix: opts.redisPrefix ?? config.pipeline.redisPrefix,
      port,
      host,
      logger: opts.log === true,
    });
  } catch (e) {
    if ((e as { code?: string }).code === 'EADDRINUSE')
      throw new UserFacingError(
        `port ${port ?? config.api.port} is in use (API_PORT or --port moves it)`,
      );
    throw e;
  }
  if (config.api.keys.length === 0)
    process.stderr.write(
      'cashflow serve: no API keys configured (CASHFLOW_API_KEYS or CASHFLOW_API_KEYS_FILE): every /v1 request gets 401\n',
    );
  process.stderr.write(
    `cashflow serve: listening on http://${host}:${api.port} (docs /docs, OpenAPI /openapi.json); SIGTERM or Ctrl-C stops\n`,
  );
  const unregister = registerThisProcess(config.stack, 'cashflow-api', `${topology.options.prefix}api`, api.port, host);
  await new Promise<void>((resolve) => {
    const stop = () => {
      unregister();
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void api.close().then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** `--instances N`: the balancer and its instances until SIGTERM/SIGINT (stack/balancer.ts). */
async function serveBalanced(instances: number, host: string, requestedPort: number, stackDir: string, passed: string[]): Promise<void> {
  const log = (line: string) => process.stderr.write(`cashflow serve: ${line}\n`);
  // HAProxy's bind cannot report the port it was given: pick the free one here
  const port = requestedPort === 0 ? await freePort() : requestedPort;
  let balancer;
  try {
    balancer = await startBalancer({
      instances,
      host,
      port,
      stackDir,
      instanceCommand: (p) => ({
        command: process.execPath,
        args: [process.argv[1]!, 'serve', '--port', String(p), '--host', '127.0.0.1', ...passed],
      }),
      log,
    });
  } catch (e) {
    throw new UserFacingError(`cashflow serve: ${(e as Error).message}`);
  }
  log(
    `balancing ${instances} instances on http://${host}:${port} (HAProxy, ${balancer.configFile}); SIGTERM or Ctrl-C stops`,
  );
  const stop = () => void balancer.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const { haproxy } = await balancer.ended;
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  if (haproxy !== 0 && haproxy !== 'SIGTERM')
    throw new UserFacingError(`HAProxy ended (${haproxy ?? 'could not start'}): the instances were stopped`);
}
