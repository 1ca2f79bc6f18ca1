// dependenciesOf must be complete: changing the data of a code NOT in the set never changes the result.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dependenciesOf } from './dependencies.js';
import { computeTestBedCase, type TestBedCase } from './testbed.js';
import { contractTypes } from './contracts/registry.js';

const dir = join(import.meta.dirname, '..', '..', 'shared', 'actus', 'tests');

function casesOfRegisteredTypes(): [string, TestBedCase][] {
  const out: [string, TestBedCase][] = [];
  for (const type of Object.keys(contractTypes)) {
    const f = join(dir, `actus-tests-${type.toLowerCase()}.json`);
    if (existsSync(f)) out.push(...Object.entries(JSON.parse(readFileSync(f, 'utf8')) as Record<string, TestBedCase>));
  }
  return out;
}

describe('dependenciesOf', () => {
  it('lists the rate reset market object code', () => {
    expect(dependenciesOf({ contractType: 'PAM', marketObjectCodeOfRateReset: 'USD_SWP', cycleOfRateReset: 'P3ML1' })).toEqual(new Set(['USD_SWP']));
    expect(dependenciesOf({ contractType: 'PAM' })).toEqual(new Set());
  });

  const cases = casesOfRegisteredTypes();
  it.skipIf(cases.length === 0)('changing data of codes outside the set never changes any test bed result', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.array(fc.record({ code: fc.constantFrom('USD_SWP', 'USD.SWP', 'IDX', 'OTHER', 'EUR/USD'), value: fc.double({ min: -1, max: 10, noNaN: true }) }), { maxLength: 4 }),
        ([, c], noise) => {
          const deps = dependenciesOf(c.terms);
          const data = { ...((c.dataObserved as Record<string, unknown>) ?? {}) };
          for (const n of noise) {
            if (deps.has(n.code)) continue;
            data[n.code] = { identifier: n.code, data: [{ timestamp: '2013-03-01T00:00:00', value: n.value }, { timestamp: '2014-03-01T00:00:00', value: n.value * 2 }] };
          }
          expect(computeTestBedCase({ ...c, dataObserved: data })).toEqual(computeTestBedCase(c));
        },
      ),
      { numRuns: 200 },
    );
  });
});
