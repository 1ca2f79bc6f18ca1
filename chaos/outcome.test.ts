// The chaos verdict: dead letters matched to the malformed rows by source row and reason, and
// the table's zeros.
import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../processors/verification.js';
import { checkDeadLetters, formatTable, outcomeProblems, type ChaosOutcome } from './outcome.js';
import type { MalformedRow } from './schedule.js';

const written: MalformedRow[] = [
  { table: 'contracts', id: 'contracts/bad-1', contractId: 'bad-1', contractType: 'PAM', terms: '{', reason: /are not JSON/ },
  { table: 'market_data', id: 'market_data/X|2031-01-01T00:00:01', marketObjectCode: 'X', observedAt: '2031-01-01T00:00:01', value: 'NaN', reason: /not a finite number/ },
  { table: 'positions', id: 'positions/p-1', positionId: 'p-1', portfolioId: 'B', contractId: 'none', quantity: 'NaN', reason: /with quantity NaN: not a finite number/ },
];
const letter = (row: string, reason: string) => ({ row, reason, processor: 'contract-ingest' });

describe('checkDeadLetters', () => {
  it('every expected row found once with its reason: clean; positions are expected like the other tables', () => {
    const c = checkDeadLetters(written, [
      letter('contracts/bad-1', 'terms of contract bad-1 are not JSON: …'),
      letter('market_data/X|2031-01-01T00:00:01', 'market_data row X|… with value NaN: not a finite number'),
      { row: 'positions/p-1', reason: 'positions row p-1 with quantity NaN: not a finite number', processor: 'positions-ingest' },
    ]);
    expect(c).toEqual({ expected: 3, found: 3, missing: [], wrongReason: [], unexpected: [], repeated: 0 });
  });

  it('a malformed positions row without its dead letter is missing', () => {
    const c = checkDeadLetters(written, [letter('contracts/bad-1', 'terms of contract bad-1 are not JSON: …'), letter('market_data/X|2031-01-01T00:00:01', 'market_data row X|… with value NaN: not a finite number')]);
    expect(c.missing).toEqual(['positions/p-1']);
    expect(c.found).toBe(2);
  });

  it('names a missing row, a wrong reason, a valid row dead-lettered and repeats', () => {
    const c = checkDeadLetters(written, [
      letter('contracts/bad-1', 'something else'),
      letter('contracts/bad-1', 'something else again'),
      letter('contracts/bench-0000001', 'poison input'),
    ]);
    expect(c.found).toBe(0);
    expect(c.missing).toEqual(['market_data/X|2031-01-01T00:00:01', 'positions/p-1']);
    expect(c.wrongReason).toEqual([{ row: 'contracts/bad-1', reason: 'something else' }]);
    expect(c.unexpected.map((d) => d.row)).toEqual(['contracts/bench-0000001']);
    expect(c.repeated).toBe(1);
  });
});

describe('outcomeProblems and formatTable', () => {
  const clean: ChaosOutcome = {
    scenario: 'seed 1, 10 contracts',
    faults: 3,
    seconds: 61.4,
    verify: { ...emptyCounts(), checked: 10, equal: 10, rows: 830 },
    duplicate: 0,
    deadLetters: checkDeadLetters([], []),
    lagging: [],
    down: [],
  };

  it('a clean run has no problems; each kind of fault in the outcome is one', () => {
    expect(outcomeProblems(clean)).toEqual([]);
    expect(outcomeProblems({ ...clean, verify: { ...clean.verify, stale: 2 }, duplicate: 1, lagging: ['g t[0] 1/2'], down: ['sink'] })).toEqual([
      '2 stale contracts',
      '1 duplicate contract',
      'consumer groups behind: g t[0] 1/2',
      'processors not running or not ready: sink',
    ]);
  });

  it('prints one header and one row with every column', () => {
    const lines = formatTable(clean).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0].split('|').map((s) => s.trim()).filter(Boolean)).toEqual([
      'scenario', 'faults injected', 'duration', 'rows checked', 'missing', 'stale', 'duplicate', 'extra', 'differing', 'dead letters expected / found',
    ]);
    expect(lines[2].split('|').map((s) => s.trim()).filter(Boolean)).toEqual(['seed 1, 10 contracts', '3', '61 s', '830', '0', '0', '0', '0', '0', '0 / 0']);
  });
});
