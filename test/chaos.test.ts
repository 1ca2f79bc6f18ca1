// `cashflow chaos` in small, fixed-seed, as CI runs it: 2,000 contracts of the benchmark book in
// an environment of the run's own (broker, Connect, registry, Redis, PostgreSQL: stack/private/),
// every processor kind SIGKILLed once and every infrastructure fault once (broker SIGKILL,
// Redis FLUSHALL, Redis restarted empty, registry down, Connect worker SIGKILL, a connector task
// FAILED and restarted through the REST API, the database under the sink down, the source
// database crashed), with malformed rows in contracts, market_data, observed_events and
// positions among edits and market ticks. The command's own function decides; the test demands
// its table's zeros: nothing missing, stale, duplicated, extra or differing after verify --all,
// every malformed row (of the tables the pipeline reads: all four) dead-lettered with its reason and no
// other row, every consumer group at the end of its topics, every processor up and ready.
import { describe, expect, it } from 'vitest';
import { runChaos } from '../chaos/run.js';
import { INFRASTRUCTURE_FAULTS, KILLED_KINDS } from '../chaos/schedule.js';
import { postgresBinDir } from '../stack/private/postgres.js';
import { testEnv } from './env/index.js';
import { stackKafkaLib } from './support/private-kafka.js';
import { TestLog } from './support/test-log.js';

const CONTRACTS = Number(process.env.CHAOS_TEST_CONTRACTS ?? 2000);
const runnable = stackKafkaLib() !== undefined && postgresBinDir() !== undefined;

describe.skipIf(!runnable)('cashflow chaos, small and fixed-seed', () => {
  it('every fault kind once: the table shows zeros and every malformed row in the dead letters', { timeout: 900_000 }, async () => {
    await testEnv();
    const log = new TestLog(`chaos-${Date.now()}`);
    const r = await runChaos({
      contracts: CONTRACTS,
      seed: 20261207,
      kills: KILLED_KINDS.length,
      malformed: 200,
      faults: INFRASTRUCTURE_FAULTS,
      downSeconds: 5,
      gapSeconds: [1, 3],
      edits: 40,
      log: (line) => log.log('info', line),
    });
    process.stderr.write(`chaos test (log ${log.file}):\n${r.table}\n${r.problems.map((p) => `problem: ${p}\n`).join('')}`);
    expect(r.problems).toEqual([]);
    expect(r.faults).toHaveLength(KILLED_KINDS.length + INFRASTRUCTURE_FAULTS.length);
    const v = r.outcome.verify;
    expect([v.missing, v.stale, r.outcome.duplicate, v.extra, v.differing]).toEqual([0, 0, 0, 0, 0]);
    expect(v.checked).toBeGreaterThanOrEqual(CONTRACTS);
    expect(v.rows).toBeGreaterThan(CONTRACTS * 10);
    // 200 rows over four tables, every one dead-lettered (positions by positions-ingest)
    expect(r.outcome.deadLetters).toMatchObject({ expected: 200, found: 200, missing: [], wrongReason: [], unexpected: [] });
    expect(r.outcome.lagging).toEqual([]);
    expect(r.outcome.down).toEqual([]);
  });
});
