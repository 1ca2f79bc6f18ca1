import type { Command } from 'commander';
import { integerOption, UserFacingError } from '../command.js';

// `cashflow chaos [--contracts N] [--seed S] …`: the pipeline under a seeded storm of faults in
// an environment of its own (chaos/run.ts), then `verify --all`, the consumer groups, the
// processes and the dead letter topic checked. Prints one table; exit 1 when anything is off.

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

export function register(program: Command): void {
  program
    .command('chaos')
    .description('the pipeline under seeded faults in an environment of its own: verify --all, consumer groups, dead letters; one table (chaos/run.ts)')
    .option('--contracts <n>', 'contracts in the book', '50000')
    .option('--seed <n>', 'seed of the fault schedule and the malformed rows', '1')
    .option('--kills <n>', 'processor SIGKILLs (at least one of each of the 8 kinds)', '12')
    .option('--malformed <n>', 'malformed rows over contracts, market_data, observed_events, positions (default: 10,000 at 50,000 contracts, scaled with --contracts)')
    .option('--faults <list>', 'infrastructure faults, comma-separated (all by default)', 'all')
    .option('--down-seconds <n>', 'how long the registry and the sink database stay down', '30')
    .option('--edits <n>', 'contract edits in the stream (market ticks: one per 10 edits)', '200')
    .option('--json', 'the outcome as one JSON object on stdout after the table')
    .action(async (opts: ChaosCliOptions) => {
      const { INFRASTRUCTURE_FAULTS, KILLED_KINDS } = await import('../../chaos/schedule.js');
      const contracts = integerOption(opts.contracts, 'contracts', 100);
      const faults = opts.faults === 'all' ? [...INFRASTRUCTURE_FAULTS] : opts.faults.split(',').map((f) => f.trim()).filter(Boolean);
      const unknown = faults.filter((f) => !(INFRASTRUCTURE_FAULTS as readonly string[]).includes(f));
      if (unknown.length) throw new UserFacingError(`--faults: unknown ${unknown.join(', ')} (known: ${INFRASTRUCTURE_FAULTS.join(', ')}, or all)`, 2);
      const { runChaos } = await import('../../chaos/run.js');
      const { ChaosSetupError } = await import('../../chaos/environment.js');
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
    });
}
