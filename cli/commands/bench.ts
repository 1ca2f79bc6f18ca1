import type { Command } from 'commander';
import { integerOption, UserFacingError } from '../command.js';

// `cashflow bench <engine|pipeline|api|verify>`. `bench engine` needs only the engine (no Kafka,
// database or Redis); `pipeline` and `api` are added by their own modules later.
export function register(program: Command): void {
  const bench = program.command('bench').description('benchmarks: engine | pipeline | api');

  bench
    .command('engine')
    .description('compute the synthetic book (warm-up + measured pass) and print figures')
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
    .option('--verify', 'end with verify --all on the book (timed beside the engine alone)')
    .option('--portfolio <lots>', 'end with recalc --portfolio --wait of a portfolio of this many lots over the book, timed (p50/p99)')
    .option('--portfolio-runs <n>', 'runs of the portfolio recalculation', '10')
    .option('--base-port <n>', "first metrics port of the bench's processes (another bench on the machine holds 9500…)", '9500')
    .action(async (opts: { contracts: string; ticks: string; edits: string; calculators: string; keep?: boolean; verify?: boolean; portfolio?: string; portfolioRuns: string; basePort: string }) => {
      const { runPipelineBench } = await import('../../bench/pipeline.js');
      const r = await runPipelineBench({
        contracts: integerOption(opts.contracts, 'contracts', 1),
        ticks: integerOption(opts.ticks, 'ticks', 1),
        edits: integerOption(opts.edits, 'edits', 1),
        calculators: integerOption(opts.calculators, 'calculators', 1),
        keep: opts.keep === true,
        verify: opts.verify === true,
        portfolio: opts.portfolio === undefined ? 0 : integerOption(opts.portfolio, 'portfolio', 1),
        portfolioRuns: integerOption(opts.portfolioRuns, 'portfolio-runs', 1),
        basePort: integerOption(opts.basePort, 'base-port', 1024),
        log: (s) => process.stderr.write(s + '\n'),
      });
      const rss = Object.entries(r.peakRssMb).map(([k, v]) => `${k} ${v} MB`).join(', ');
      process.stdout.write(
        `full recompute: ${r.contracts} contracts, ${r.rows} rows in ${r.full.seconds} s: ${r.full.contractsPerSecond} contracts/s, ${r.full.rowsPerSecond} rows/s\n` +
          `database bulk path alone: ${r.bulk.rows} rows in ${r.bulk.seconds} s: ${r.bulk.rowsPerSecond} rows/s (pipeline at ${Math.round(r.pipelineVsBulk * 100)}% of it)\n` +
          `market tick touching ${r.tick.contracts} contracts, commit to last row committed: p50 ${r.tick.p50Ms} ms, p99 ${r.tick.p99Ms} ms (${r.tick.samples} ticks)\n` +
          `tick stages, median ms from the commit to the first..last message: ${Object.entries(r.tick.stagesMs).map(([s, [a, b]]) => `${s} ${a}..${b}`).join(', ')}\n` +
          `single contract edit, commit to commit: p50 ${r.edit.p50Ms} ms, p99 ${r.edit.p99Ms} ms (${r.edit.samples} edits)\n` +
          (r.portfolio
            ? `portfolio of ${r.portfolio.lots} lots (${r.portfolio.contracts} contracts), recalc --portfolio request to last row committed: p50 ${r.portfolio.p50Ms} ms, p99 ${r.portfolio.p99Ms} ms (${r.portfolio.samples} runs)\n`
            : '') +
          `peak RSS: ${rss}\n` +
          (r.verify
            ? `verify --all: ${r.verify.contracts} contracts, ${r.verify.rows} rows, ${r.verify.mismatching} wrong, in ${r.verify.seconds} s (database read ${r.verify.readSeconds} s, expectation and comparison ${r.verify.computeSeconds} s; engine alone on the book ${r.verify.engineAloneSeconds} s; peak RSS ${r.verify.peakRssMb} MB)\n`
            : ''),
      );
      process.stdout.write(JSON.stringify(r) + '\n');
    });

  bench
    .command('verify')
    .description('verify --all against its target: the engine alone on the book, the database read alone and verify --all, timed in one process, and verify / (2 × engine + read) (bench/verify.ts)')
    .option('--contracts <n>', 'contracts in the book', '160000')
    .option('--rounds <n>', 'timed rounds (engine alone, read alone, verify --all)', '1')
    .option('--page-size <n>', 'contracts read per page, as verify --page-size', '2000')
    .option('--keep', 'keep the bench database (cashflow_bench_verify_N) for the next run, which reuses it')
    .option('--database <name>', 'time this existing database instead (e.g. one bench pipeline --keep left): nothing written')
    .action(async (opts: { contracts: string; rounds: string; pageSize: string; keep?: boolean; database?: string }) => {
      const { runVerifyBench } = await import('../../bench/verify.js');
      const r = await runVerifyBench({
        contracts: integerOption(opts.contracts, 'contracts'),
        rounds: integerOption(opts.rounds, 'rounds'),
        pageSize: integerOption(opts.pageSize, 'page-size'),
        keep: opts.keep === true,
        database: opts.database,
        log: (s) => process.stderr.write(s + '\n'),
      });
      for (const [k, x] of r.rounds.entries()) {
        process.stdout.write(
          `round ${k + 1}: verify --all ${x.verifySeconds} s on ${r.contracts} contracts / ${r.rows} rows (${r.mismatching} wrong); ` +
            `engine alone ${x.engineAloneSeconds} s, database read alone ${x.readSeconds} s: verify / (2 × engine + read) = ${x.ratio}\n`,
        );
      }
      process.stdout.write(JSON.stringify(r) + '\n');
      if (r.mismatching > 0) process.exitCode = 1;
    });

  bench
    .command('api')
    .description('the API on the local stack (own topics, groups, Redis prefix): single-contract requests/s and p50/p99 with autocannon, and a job of N contracts through job-workers vs the engine benchmark (bench/api.ts)')
    .option('--contracts <n>', 'contracts in the job', '160000')
    .option('--workers <n>', 'job-worker processes', '2')
    .option('--seconds <n>', 'duration of each autocannon run', '10')
    .option('--connections <n>', 'concurrent connections of autocannon', '10')
    .option('--heavy <n>', 'heavy synchronous requests at once while /healthz is timed (0: not measured)', '4')
    .option('--no-job', 'only the requests and /healthz under heavy requests: no job, no engine benchmark')
    .option('--healthz', 'only /healthz under heavy requests, the API on a 512 MB heap with neither Kafka nor the database')
    .option('--node-args <args>', 'with --healthz: node options of the API process, space-separated (e.g. "--trace-gc --cpu-prof")', '')
    .action(async (opts: { contracts: string; workers: string; seconds: string; connections: string; heavy: string; job: boolean; healthz?: boolean; nodeArgs: string }) => {
      const { runApiBench, runHealthzBench } = await import('../../bench/api.js');
      if (opts.healthz) {
        const h = await runHealthzBench({
          heavy: integerOption(opts.heavy, 'heavy', 1),
          seconds: integerOption(opts.seconds, 'seconds'),
          nodeArgs: opts.nodeArgs.split(' ').filter(Boolean),
          log: (s) => process.stderr.write(s + '\n'),
        });
        process.stdout.write(JSON.stringify(h) + '\n');
        return;
      }
      const r = await runApiBench({
        contracts: integerOption(opts.contracts, 'contracts'),
        workers: integerOption(opts.workers, 'workers'),
        seconds: integerOption(opts.seconds, 'seconds'),
        connections: integerOption(opts.connections, 'connections'),
        heavy: integerOption(opts.heavy, 'heavy', 0),
        job: opts.job,
        log: (s) => process.stderr.write(s + '\n'),
      });
      const l = (x: { p50Ms: number; p99Ms: number; maxMs: number; samples: number }) => `p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms, max ${x.maxMs} ms (${x.samples} answers)`;
      const h = r.healthzUnderLoad;
      const f = (x: typeof r.computed) => `${x.requestsPerSecond} requests/s (${x.requestsPerApiCpuSecond} per API CPU-second), p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms (${x.errors} errors)`;
      process.stdout.write(
        `baseline GET /healthz: ${f(r.baseline)}\n` +
          `single contract, computed: ${f(r.computed)}\n` +
          `single contract, cached: ${f(r.cached)}\n` +
          (h
            ? `GET /healthz alone: ${l(h.idle)}\nGET /healthz while ${h.heavy} heavy requests run: ${l(h.loaded)} (heavy answers: ${Object.entries(h.statuses).map(([s, k]) => `${k} × ${s}`).join(', ')}; event loop delay ${h.eventLoopDelay ? `p99 ${h.eventLoopDelay.p99Ms} ms, max ${h.eventLoopDelay.maxMs} ms` : '-'})\n`
            : ''),
      );
      if (!('job' in r)) {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      process.stdout.write(
        `job: ${r.job.contracts} contracts in ${r.job.seconds} s (202 after ${r.job.submitSeconds} s, first chunk started at ${r.job.firstChunkSeconds} s; warm-up job of ${r.warmup.contracts} before: ${r.warmup.seconds} s): ${r.job.contractsPerSecond} contracts/s with ${r.job.workers} workers (${r.job.contractsPerWorkerCpuSecond} per worker CPU-second); result ${r.job.resultMb} MB in ${r.job.resultSeconds} s\n` +
          `engine, same book: ${r.engine.seconds} s (${r.engine.contractsPerSecond} contracts/s); job / engine = ${r.jobVsEngine} wall, ${r.jobCpuVsEngineCpu ?? '-'} CPU\n` +
          `job CPU: workers ${r.job.cpu.workers} + API ${r.job.cpu.api} + broker ${r.job.cpu.broker ?? '-'} + Redis ${r.job.cpu.redis ?? '-'} + client ${r.job.cpu.client} = ${r.job.cpu.total} CPU-s, at least ${r.job.cpu.floorSeconds} s on ${r.job.cpu.cores} cores\n` +
          `Kafka transfer of the job's ${r.transfer.chunks} chunks (${r.transfer.mb} MB, no compute): ${r.transfer.seconds} s (CPU: producer and consumers ${r.transfer.cpu.client} s, broker ${r.transfer.cpu.broker ?? '-'} s)\n` +
          `target 1.2 × engine + transfer = ${r.target.seconds} s; job ${r.job.seconds} s = ${r.target.jobVsTarget} × target: ${r.target.met ? 'met' : 'not met'}\n`,
      );
      process.stdout.write(JSON.stringify(r) + '\n');
    });
}
