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

  bench
    .command('pipeline')
    .description('the pipeline on the local stack in an environment of its own: full recompute, bulk path, tick and edit latency, peak RSS (bench/pipeline.ts)')
    .option('--contracts <n>', 'contracts in the book', '160000')
    .option('--ticks <n>', 'market ticks touching 1,000 contracts', '10')
    .option('--edits <n>', 'single contract edits', '20')
    .option('--calculators <n>', 'calculator processes', '1')
    .option('--keep', 'keep the database, topics and state afterwards')
    .action(async (opts: { contracts: string; ticks: string; edits: string; calculators: string; keep?: boolean }) => {
      const n = (raw: string, name: string, min: number) => {
        const v = Number(raw);
        if (!Number.isSafeInteger(v) || v < min) throw new UserFacingError(`--${name} must be an integer >= ${min}`, 2);
        return v;
      };
      const { runPipelineBench } = await import('../../bench/pipeline.js');
      const r = await runPipelineBench({
        contracts: n(opts.contracts, 'contracts', 1),
        ticks: n(opts.ticks, 'ticks', 1),
        edits: n(opts.edits, 'edits', 1),
        calculators: n(opts.calculators, 'calculators', 1),
        keep: opts.keep === true,
        log: (s) => process.stderr.write(s + '\n'),
      });
      const rss = Object.entries(r.peakRssMb).map(([k, v]) => `${k} ${v} MB`).join(', ');
      process.stdout.write(
        `full recompute: ${r.contracts} contracts, ${r.rows} rows in ${r.full.seconds} s: ${r.full.contractsPerSecond} contracts/s, ${r.full.rowsPerSecond} rows/s\n` +
          `database bulk path alone: ${r.bulk.rows} rows in ${r.bulk.seconds} s: ${r.bulk.rowsPerSecond} rows/s (pipeline at ${Math.round(r.pipelineVsBulk * 100)}% of it)\n` +
          `market tick touching ${r.tick.contracts} contracts, commit to last row committed: p50 ${r.tick.p50Ms} ms, p99 ${r.tick.p99Ms} ms (${r.tick.samples} ticks)\n` +
          `single contract edit, commit to commit: p50 ${r.edit.p50Ms} ms, p99 ${r.edit.p99Ms} ms (${r.edit.samples} edits)\n` +
          `peak RSS: ${rss}\n`,
      );
      process.stdout.write(JSON.stringify(r) + '\n');
    });

  for (const name of ['api'])
    bench
      .command(name)
      .description(`${name} benchmark (not available yet)`)
      .allowUnknownOption()
      .argument('[args...]')
      .action(() => {
        throw new UserFacingError(`\`bench ${name}\` is not available yet`, 2);
      });
}
