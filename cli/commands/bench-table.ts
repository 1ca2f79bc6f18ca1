// `cashflow bench table`: contract_cashflows' key and index designs, the sink's write timed on
// each (bench/table-design.ts).
import { integerOption } from '../command.js';
import { runTableBench } from '../../bench/table-design.js';

/** `cashflow bench table` */
export async function action(opts: { contracts: string; ticks: string; designs: string }): Promise<void> {
  const figures = await runTableBench({
    contracts: integerOption(opts.contracts, 'contracts', 1000),
    ticks: integerOption(opts.ticks, 'ticks', 1),
    designs: opts.designs.split(',').map((s) => s.trim()).filter(Boolean),
    log: (s) => process.stderr.write(s + '\n'),
  });
  process.stdout.write('| design | heap MB | index MB | tick p50 / p99 ms | PostgreSQL CPU ms per tick | WAL MB per tick | first write rows/s | full recompute rows/s |\n|---|---|---|---|---|---|---|---|\n');
  for (const f of figures) {
    process.stdout.write(`| ${f.design} | ${f.tableMb} | ${f.indexMb} | ${f.tick.p50Ms} / ${f.tick.p99Ms} | ${f.tick.postgresCpuMs} | ${f.tick.walMb} | ${f.write.rowsPerSecond} | ${f.full.rowsPerSecond} |\n`);
  }
  process.stdout.write(JSON.stringify(figures) + '\n');
}
