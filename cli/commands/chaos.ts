// `cashflow chaos [--contracts N] [--seed S] …`: the pipeline under a seeded storm of faults in
// an environment of its own (chaos/run.ts), then `verify --all`, the consumer groups, the
// processes and the dead letter topic checked. Prints one table; exit 1 when anything is off.
import { integerOption, UserFacingError } from '../command.js';
import { INFRASTRUCTURE_FAULTS, KILLED_KINDS } from '../../chaos/schedule.js';
import { runChaos } from '../../chaos/run.js';
import { ChaosSetupError } from '../../chaos/environment.js';

interface ChaosCliOptions {
  contracts: string;
  seed: string;
  kills: string;
  malformed?: string;
  faults: string;
  downSeconds: string;
  edits: string;
  json?: boolean;
}

/** `cashflow chaos` */
export async function action(opts: ChaosCliOptions): Promise<void> {
  const contracts = integerOption(opts.contracts, 'contracts', 100);
  const faults = opts.faults === 'all' ? [...INFRASTRUCTURE_FAULTS] : opts.faults.split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = faults.filter((f) => !(INFRASTRUCTURE_FAULTS as readonly string[]).includes(f));
  if (unknown.length) throw new UserFacingError(`--faults: unknown ${unknown.join(', ')} (known: ${INFRASTRUCTURE_FAULTS.join(', ')}, or all)`, 2);
  const malformed = opts.malformed === undefined ? Math.max(20, Math.round(contracts / 5)) : integerOption(opts.malformed, 'malformed', 0);
  try {
    const r = await runChaos({
      contracts,
      seed: integerOption(opts.seed, 'seed', 0),
      kills: integerOption(opts.kills, 'kills', KILLED_KINDS.length),
      malformed,
      faults: faults as typeof INFRASTRUCTURE_FAULTS[number][],
      downSeconds: integerOption(opts.downSeconds, 'down-seconds', 1),
      gapSeconds: [2, 8],
      edits: integerOption(opts.edits, 'edits', 0),
      log: (s) => process.stderr.write(`${s}\n`),
    });
    process.stdout.write(`${r.table}\n`);
    for (const p of r.problems) process.stdout.write(`problem: ${p}\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify({ ...r.outcome, problems: r.problems, faults: r.faults, connectorRestarts: r.connectorRestarts })}\n`);
    if (r.problems.length) process.exitCode = 1;
  } catch (e) {
    if (e instanceof ChaosSetupError) throw new UserFacingError(e.message);
    throw e;
  }
}

