// `cashflow bench api`: the API on the local stack (bench/api.ts).
import { integerOption } from '../command.js';
import { runApiBench, runHealthzBench } from '../../bench/api.js';

/** `cashflow bench api` */
export async function action(opts: { contracts: string; workers: string; seconds: string; connections: string; heavy: string; job: boolean; healthz?: boolean; nodeArgs: string }): Promise<void> {
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
}
