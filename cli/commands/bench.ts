import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

// `cashflow bench <engine|pipeline|api>`. `bench engine` needs only the engine (no Kafka,
// database or Redis); `pipeline` and `api` are added by their own modules later.
export function register(program: Command): void {
  const bench = program.command('bench').description('benchmarks: engine | pipeline | api');

  bench
    .command('engine')
    .description('compute the synthetic book of issue 4 (warm-up + measured pass) and print figures')
    .option('--type <type>', 'PAM | ANN | LAM | NAM | SWPPV', 'PAM')
    .option('--contracts <n>', 'number of contracts', '160000')
    .action(async (opts: { type: string; contracts: string }) => {
      const { runEngineBench, BENCH_TYPES } = await import('../../bench/engine.js');
      const type = opts.type.toUpperCase();
      if (!(BENCH_TYPES as readonly string[]).includes(type)) throw new UserFacingError(`--type must be one of ${BENCH_TYPES.join(', ')}`, 2);
      const n = Number(opts.contracts);
      if (!Number.isSafeInteger(n) || n <= 0) throw new UserFacingError('--contracts must be a positive integer', 2);
      const r = runEngineBench(type as (typeof BENCH_TYPES)[number], n, (s) => process.stderr.write(s + '\n'));
      const { cpuSeconds, ...figures } = r;
      const perCpu = cpuSeconds ? `; CPU ${cpuSeconds} s = ${Math.round(r.contracts / cpuSeconds)} contracts per CPU-second` : '';
      process.stdout.write(`${r.type}: ${r.contracts} contracts, ${r.events} events in ${r.seconds} s: ${r.contractsPerSecond} contracts/s, ${r.eventsPerSecond} events/s, peak RSS ${r.peakRssMb} MB${perCpu}\n`);
      process.stdout.write(JSON.stringify(figures) + '\n');
    });

  for (const name of ['pipeline', 'api'])
    bench
      .command(name)
      .description(`${name} benchmark (not available yet)`)
      .allowUnknownOption()
      .argument('[args...]')
      .action(() => {
        throw new UserFacingError(`\`bench ${name}\` is not available yet`, 2);
      });
}
