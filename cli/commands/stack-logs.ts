// `cashflow stack logs [component]`: where each process of the local stack logs, or the tail of
// one component's log.
import { spawn } from 'node:child_process';
import { loadConfig } from '../../config/config.js';
import { logPaths, isProcessComponent } from '../../stack/logs.js';
import { UserFacingError } from '../command.js';

/** `cashflow stack logs` */
export async function action(component: string | undefined, opts: { follow?: boolean; lines: string }): Promise<void> {
  const config = loadConfig(process.env, ['stack']);
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
  const args = ['-n', opts.lines, ...(opts.follow ? ['-F'] : []), entry.path];
  await new Promise<void>((resolve) =>
    spawn('tail', args, { stdio: 'inherit' }).on('close', () => resolve()),
  );
}
