import { describe, expect, it } from 'vitest';
import { componentOf, formatPhases, formatSpans, phaseDelta, phaseTotals, stageSpans } from './stage-tap.js';

describe('stageSpans', () => {
  it('takes the first and last message of each stage inside the window, relative to its start', () => {
    const seen = new Map([
      ['a', [900, 1010, 1020]],
      ['b', [1050, 1300, 5000]],
    ]);
    const spans = stageSpans(seen, [['a', 'cdc'], ['b', 'calc'], ['c', 'none']], 1000, 2000);
    expect(spans).toEqual([
      { stage: 'cdc', messages: 2, firstMs: 10, lastMs: 20 },
      { stage: 'calc', messages: 2, firstMs: 50, lastMs: 300 },
      { stage: 'none', messages: 0, firstMs: NaN, lastMs: NaN },
    ]);
    expect(formatSpans(spans.slice(0, 2), 812.4)).toBe('cdc 2 +10..20 ms; calc 2 +50..300 ms; committed +812 ms');
  });
});

describe('phaseTotals', () => {
  const text = (sink: number) => `# HELP cashflow_batch_phase_seconds x
cashflow_batch_phase_seconds_bucket{le="0.1",processor="sink",phase="process"} 3
cashflow_batch_phase_seconds_sum{processor="sink",phase="process"} ${sink}
cashflow_batch_phase_seconds_count{processor="sink",phase="process"} 4
cashflow_batch_phase_seconds_sum{processor="sink",phase="commit"} 0.5
cashflow_batch_phase_seconds_count{processor="sink",phase="commit"} 4
`;
  it('reads sums and counts per processor and phase, and differences of two scrapes', () => {
    const before = phaseTotals(text(1));
    expect(before.get('sink')!.get('process')).toEqual([1, 4]);
    const after = phaseTotals(text(3));
    after.get('sink')!.get('process')![1] = 8;
    const d = phaseDelta(before, after);
    expect(d.get('sink')!.get('process')).toEqual([2, 4]);
    expect(formatPhases(d, 2)).toEqual(['sink: process 1000 ms, commit 0 ms (2.0 batches)']);
  });
});

describe('componentOf', () => {
  it('names processors, PostgreSQL (walsender apart), the stack JVMs and Redis', () => {
    expect(componentOf(['node', '/w/bin/cashflow.js', 'run', 'sink'])).toBe('sink');
    expect(componentOf(['cashflow-processor:bench1a2b3c_calculator-2'])).toBe('calculator');
    expect(componentOf(['postgres: 15/main: postgres db 127.0.0.1(5) idle'])).toBe('postgres');
    expect(componentOf(['postgres: 15/main: walsender postgres 127.0.0.1(5) START_REPLICATION'])).toBe('postgres-walsender');
    expect(componentOf(['java', '-Dcashflow.stack.component=kafka', '-Xmx512m'])).toBe('kafka');
    expect(componentOf(['/usr/bin/redis-server 127.0.0.1:6379'])).toBe('redis');
    expect(componentOf(['bash'])).toBe('other');
    // a kernel thread's /proc/<pid>/cmdline is empty: split on NUL it is ['']
    expect(componentOf([''])).toBe('kernel');
  });
});
