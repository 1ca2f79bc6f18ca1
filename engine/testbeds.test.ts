// Runs every case of every ACTUS test bed (../shared/actus/tests) whose contract type is in the
// registry, and checks it strictly like ../shared/tools/actus_check_lib.py: same events, same
// order, dates equal to the minute, numbers within max(1e-6, 1e-9·|expected|).
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { computeTestBedCase, type EventJson, type TestBedCase } from './testbed.js';
import { contractTypes } from './contracts/registry.js';

const dir = join(import.meta.dirname, '..', '..', 'shared', 'actus', 'tests');
const NUM = ['payoff', 'notionalPrincipal', 'nominalInterestRate', 'accruedInterest', 'exerciseAmount'];

function normDate(s: unknown): string {
  const t = String(s).trim();
  return t.length >= 16 ? t.slice(0, 16) : t;
}

/** Why `got` does not match `exp` strictly, or undefined when it does. */
export function strictMismatch(got: readonly EventJson[], exp: readonly Record<string, unknown>[]): string | undefined {
  if (got.length !== exp.length) return `${got.length} events, expected ${exp.length}`;
  for (let i = 0; i < exp.length; i++) {
    const g = got[i] as unknown as Record<string, unknown>, e = exp[i];
    for (const [k, v] of Object.entries(e)) {
      let ok = true;
      if (k === 'eventDate' || k === 'exerciseDate') ok = normDate(g[k] ?? '') === normDate(v);
      else if (NUM.includes(k)) {
        const a = Number(g[k]), b = Number(v);
        ok = Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= Math.max(1e-6, 1e-9 * Math.abs(b));
      } else if (k === 'eventType' || k === 'currency') ok = String(g[k]) === String(v);
      if (!ok) return `event ${i} (${String(e.eventDate)} ${String(e.eventType)}): ${k} = ${String(g[k])}, expected ${String(v)}`;
    }
  }
  return undefined;
}

const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^actus-tests-.*\.json$/.test(f)).sort() : [];
const types = new Set(Object.keys(contractTypes));

describe.skipIf(files.length === 0)('ACTUS test beds, strictly', () => {
  for (const f of files) {
    const bed = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, TestBedCase & { results: Record<string, unknown>[] }>;
    const first = Object.values(bed)[0];
    const type = String(first?.terms?.contractType ?? '');
    if (!types.has(type)) continue;
    describe(type, () => {
      for (const [id, c] of Object.entries(bed)) {
        it(id, () => {
          const r = computeTestBedCase(c);
          if (!Array.isArray(r)) expect.fail(`error: ${r.error}`);
          expect(strictMismatch(r, c.results)).toBeUndefined();
        });
      }
    });
  }
});
