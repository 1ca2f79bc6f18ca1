// `cashflow chaos`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/chaos.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
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
    .option('--json', 'the outcome as one JSON object on stdout after the table');
}
