// dependenciesOf is complete for the types with observed data in their test beds (LAX, CLM, UMP,
// STK, CSH, COM): shifting the data of every code outside the set, and of one unrelated code,
// never changes a case's result; shifting the data of a code inside it may.
import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dependenciesOf } from './dependencies.js';
import { computeTestBedCase, type TestBedCase } from './testbed.js';

const dir = join(import.meta.dirname, '..', '..', 'shared', 'actus', 'tests');
type Series = { identifier: string; data: { timestamp: string; value: string | number }[] };

/** The case's data with the series of `code` moved up by one and an early point added. */
function shifted(c: TestBedCase, code: string): Record<string, Series> {
  const data = { ...((c.dataObserved as Record<string, Series>) ?? {}) };
  const pts = (data[code]?.data ?? []).map((p) => ({ ...p, value: String(Number(p.value) + 1) }));
  return { ...data, [code]: { identifier: code, data: [{ timestamp: '2000-01-01T00:00:00', value: '0.5' }, ...pts] } };
}

describe('dependenciesOf, complete against the test beds', () => {
  for (const type of ['lax', 'clm', 'ump', 'stk', 'csh', 'com']) {
    const f = join(dir, `actus-tests-${type}.json`);
    it.skipIf(!existsSync(f))(`${type.toUpperCase()}: data outside the dependencies never changes a result`, () => {
      const bed = JSON.parse(readFileSync(f, 'utf8')) as Record<string, TestBedCase>;
      for (const c of Object.values(bed)) {
        const deps = dependenciesOf(c.terms);
        const expected = computeTestBedCase(c);
        for (const code of ['OTHER', ...Object.keys((c.dataObserved as object) ?? {})])
          if (!deps.has(code)) expect(computeTestBedCase({ ...c, dataObserved: shifted(c, code) })).toEqual(expected);
      }
    });
  }

  it('lists the codes that do change a result (observed dividends, variable rate resets)', () => {
    const bed = JSON.parse(readFileSync(join(dir, 'actus-tests-stk.json'), 'utf8')) as Record<string, TestBedCase>;
    const c = bed.stk06;
    expect(dependenciesOf(c.terms)).toEqual(new Set(['STK06_DV']));
    expect(computeTestBedCase({ ...c, dataObserved: shifted(c, 'STK06_DV') })).not.toEqual(computeTestBedCase(c));
  });
});
