// `cashflow bench engine`: the synthetic book through the engine alone (bench/engine.ts). It
// needs only the engine: no Kafka, database or Redis (docs/interfaces.md).
import { UserFacingError } from '../command.js';
import { runEngineBench, BENCH_TYPES } from '../../bench/engine.js';

/** `cashflow bench engine` */
export async function action(opts: { type: string; contracts: string }): Promise<void> {
  const type = opts.type.toUpperCase();
  if (!(BENCH_TYPES as readonly string[]).includes(type)) throw new UserFacingError(`--type must be one of ${BENCH_TYPES.join(', ')}`, 2);
  const n = Number(opts.contracts);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UserFacingError('--contracts must be a positive integer', 2);
  const r = runEngineBench(type as (typeof BENCH_TYPES)[number], n, (s) => process.stderr.write(s + '\n'));
  const { cpuSeconds, ...figures } = r;
  const perCpu = cpuSeconds ? `; CPU ${cpuSeconds} s = ${Math.round(r.contracts / cpuSeconds)} contracts per CPU-second` : '';
  process.stdout.write(`${r.type}: ${r.contracts} contracts, ${r.events} events in ${r.seconds} s: ${r.contractsPerSecond} contracts/s, ${r.eventsPerSecond} events/s, peak RSS ${r.peakRssMb} MB${perCpu}\n`);
  process.stdout.write(JSON.stringify(figures) + '\n');
}
