// `cashflow bench engine | pipeline | cold-start | verify | api | table`: arguments, options and help
// (cli/table.ts); what each does is cli/commands/bench-<name>.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  const bench = program.command('bench').description('benchmarks: engine | pipeline | cold-start | verify | api | table');

  bench
    .command('engine')
    .description('compute the synthetic book (warm-up + measured pass) and print figures')
    .option('--type <type>', 'PAM | ANN | LAM | NAM | SWPPV', 'PAM')
    .option('--contracts <n>', 'number of contracts', '160000');

  bench
    .command('pipeline')
    .description('the pipeline on the local stack in an environment of its own: full recompute, bulk path, tick and edit latency, peak RSS (bench/pipeline.ts)')
    .option('--contracts <n>', 'contracts in the book', '160000')
    .option('--ticks <n>', 'market ticks touching 1,000 contracts', '10')
    .option('--edits <n>', 'single contract edits', '20')
    .option('--calculators <n>', 'calculator processes', '1')
    .option('--keep', 'keep the database, topics and state afterwards')
    .option('--verify', 'end with verify --all on the book (timed beside the engine alone)')
    .option('--rebuild <runs>', 'after the edits, time `state rebuild --clear` this many times next to the running processors')
    .option('--portfolio <lots>', 'end with recalc --portfolio --wait of a portfolio of this many lots over the book, timed (p50/p99)')
    .option('--portfolio-runs <n>', 'runs of the portfolio recalculation', '10')
    .option('--base-port <n>', "first metrics port of the bench's processes (another bench on the machine holds 9500…)", '9500');

  bench
    .command('cold-start')
    .description('the first start against a database that already holds its book, in an environment of its own: the book written while nothing runs, then the platform started as `cashflow start` does, timed until every contract has its result: seconds, contracts/s, the snapshot\'s share, peak RSS (bench/cold-start.ts)')
    .option('--contracts <n>', 'contracts in the book', '160000')
    .option('--calculators <n>', 'calculator processes', '1')
    .option('--full-seconds <s>', 'seconds of a full recompute of the same book (bench pipeline), for the ratio')
    .option('--keep', 'keep the database, topics and state afterwards')
    .option('--base-port <n>', "first metrics port of the bench's processes (another bench on the machine holds 9500…)", '9500');

  bench
    .command('verify')
    .description('verify --all against its target: the engine alone on the book, the database read alone and verify --all, timed in one process, and verify / (2 × engine + read) (bench/verify.ts)')
    .option('--contracts <n>', 'contracts in the book', '160000')
    .option('--rounds <n>', 'timed rounds (engine alone, read alone, verify --all)', '1')
    .option('--page-size <n>', 'contracts read per page, as verify --page-size', '2000')
    .option('--keep', 'keep the bench database (cashflow_bench_verify_N) for the next run, which reuses it')
    .option('--database <name>', 'time this existing database instead (e.g. one bench pipeline --keep left): nothing written');

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
    .option('--node-args <args>', 'with --healthz: node options of the API process, space-separated (e.g. "--trace-gc --cpu-prof")', '');

  bench
    .command('table')
    .description("contract_cashflows' key and index designs, each on a scratch database holding a book of results: the sink's write of a tick of 1,000 contracts (ms, PostgreSQL CPU, WAL) and of a full recompute (rows/s) (bench/table-design.ts)")
    .option('--contracts <n>', 'contracts in the book of results (~83 rows each)', '160000')
    .option('--ticks <n>', 'ticks of 1,000 contracts per design', '10')
    .option('--designs <names>', 'comma-separated designs: seq-key, version-key, id-index', 'seq-key,version-key,id-index');
}
