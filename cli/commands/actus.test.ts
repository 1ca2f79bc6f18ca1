// `cashflow actus FILE` in-process (the command's own code from cli/main.ts): a misspelt term,
// a value out of range and market data that is not a number are each that case's {"error"},
// bounded, and the other cases are computed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

const dir = mkdtempSync(join(tmpdir(), 'cashflow-actus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function actus(bed: unknown): Promise<{ code: unknown; out: Record<string, unknown> }> {
  const file = join(dir, `bed-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(bed));
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, cb?: (err?: Error) => void) => {
    stdout += String(chunk);
    cb?.();
    return true;
  }) as typeof process.stdout.write);
  try {
    const code = await main(['actus', file]);
    return { code, out: JSON.parse(stdout) as Record<string, unknown> };
  } finally {
    spy.mockRestore();
  }
}

describe('cashflow actus', () => {
  const pam = JSON.parse(readFileSync(new URL('../../../shared/actus/tests/actus-tests-pam.json', import.meta.url), 'utf8')) as Record<
    string,
    { terms: Record<string, unknown>; results: unknown[]; dataObserved?: Record<string, { identifier: string; data: { timestamp: string; value: unknown }[] }> }
  >;
  const [id, c] = Object.entries(pam).find(([, x]) => x.terms.cycleOfInterestPayment !== undefined && x.terms.marketObjectCodeOfRateReset === undefined)!;

  it('prints {"error"} naming a misspelt term and the name meant, and computes the other cases', async () => {
    const { cycleOfInterestPayment, ...rest } = c.terms;
    const { code, out } = await actus({
      [id]: c,
      misspelt: { terms: { ...rest, cycleOfInterestPaymnt: cycleOfInterestPayment } },
      negative: { terms: { ...c.terms, notionalPrincipal: '-5000' } },
      huge: { terms: { ...c.terms, currency: 'C'.repeat(1_000_000) } },
    });
    expect(code ?? 0).toBe(0);
    expect(out[id]).toHaveLength(c.results.length);
    expect(out.misspelt).toEqual({
      error: `invalid terms of ${String(c.terms.contractID)}: cycleOfInterestPaymnt: unknown term 'cycleOfInterestPaymnt' (did you mean 'cycleOfInterestPayment'?)`,
    });
    expect(out.negative).toEqual({ error: `invalid terms of ${String(c.terms.contractID)}: notionalPrincipal: must not be negative: -5000` });
    expect((out.huge as { error: string }).error).toBe(
      `invalid terms of ${String(c.terms.contractID)}: currency: not an ISO 4217 currency code: "${'C'.repeat(40)}"… (1000000 chars)`,
    );
  });

  it('prints {"error"} naming the series and observation of market data that is not a number', async () => {
    const [rid, rc] = Object.entries(pam).find(([, x]) => x.terms.marketObjectCodeOfRateReset !== undefined && x.dataObserved)!;
    const code = Object.keys(rc.dataObserved!)[0];
    const series = rc.dataObserved![code];
    const data = series.data.map((p, i) => (i === 1 ? { ...p, value: 'abc' } : p));
    const { out } = await actus({ [rid]: { ...rc, dataObserved: { ...rc.dataObserved, [code]: { ...series, data } } } });
    expect(out[rid]).toEqual({
      error: `market data "${series.identifier}", observation 1 (timestamp "${series.data[1].timestamp}"): value "abc" is not a finite number`,
    });
  });
});
