// The synthetic book of the benchmarks (bench/README.md "cashflow bench engine") and the base of
// the demo's sample book (demo/book.ts): contract i of a type as raw string terms, the way the
// test beds and the pipeline give them, and the API's heaviest plausible case. Pure: the
// engine benchmark and the demo import it without the pipeline's clients.
import type { TestBedCase } from '../engine/index.js';

export type BenchType = 'PAM' | 'ANN' | 'LAM' | 'NAM' | 'SWPPV';
export const BENCH_TYPES: readonly BenchType[] = ['PAM', 'ANN', 'LAM', 'NAM', 'SWPPV'];

/** SWPPV: the floating leg's one market object code, observed at a flat rate. */
export const SWPPV_RATE_CODE = 'USD_LIBOR_3M';

function iso(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00`;
}

/**
 * The API's heaviest plausible case (docs/api.md, limits): a PAM paying interest monthly
 * from 2015 to 9999-12-31, 95,846 events, 16 MB of JSON answered.
 */
export function farMaturityCase(i: number): TestBedCase {
  return {
    terms: {
      contractType: 'PAM',
      contractID: `far-${i}`,
      contractRole: 'RPA',
      currency: 'USD',
      statusDate: '2015-01-01T00:00:00',
      initialExchangeDate: '2015-01-15T00:00:00',
      maturityDate: '9999-12-31T00:00:00',
      notionalPrincipal: '1000',
      nominalInterestRate: '0.05',
      dayCountConvention: 'A365',
      cycleOfInterestPayment: 'P1ML0',
      cycleAnchorDateOfInterestPayment: '2015-01-15T00:00:00',
    },
  };
}

/** Contract i of the book, as raw terms the way the test beds and the pipeline give them. */
export function bookContract(type: BenchType, i: number): Record<string, string> {
  const m = 1 + (i % 12);
  const y = 2015 + (i % 10);
  const ied = iso(y, m, 15);
  const t: Record<string, string> = {
    contractType: type,
    contractID: `${type.toLowerCase()}-${i}`,
    statusDate: iso(y, m, 1),
    contractDealDate: iso(y, m, 1),
    initialExchangeDate: ied,
    maturityDate: iso(y + 10, m, 15),
    notionalPrincipal: String(100000 + i),
    nominalInterestRate: '0.05',
    cycleOfInterestPayment: 'P3ML0',
    cycleAnchorDateOfInterestPayment: ied,
    dayCountConvention: 'A365',
    contractRole: 'RPA',
    currency: 'USD',
  };
  if (type === 'SWPPV') {
    // fixed leg at 5% (nominalInterestRate), floating leg resetting quarterly on one code
    t.contractRole = 'RF';
    t.nominalInterestRate2 = '0.03';
    t.cycleOfRateReset = 'P3ML0';
    t.cycleAnchorDateOfRateReset = ied;
    t.marketObjectCodeOfRateReset = SWPPV_RATE_CODE;
    t.rateSpread = '0';
  } else if (type !== 'PAM') {
    t.cycleOfPrincipalRedemption = 'P3ML0';
    // LAM: anchored at the IED; ANN and NAM: IED + one cycle, or the annuity fixed before any
    // principal is outstanding would be 0 (bench/README.md)
    t.cycleAnchorDateOfPrincipalRedemption = type === 'LAM' ? ied : iso(m + 3 > 12 ? y + 1 : y, ((m + 2) % 12) + 1, 15);
    if (type === 'LAM') t.nextPrincipalRedemptionPayment = String(2500 + Math.floor(i / 100));
  }
  return t;
}

/** The body of an API job of `n` PAM contracts of the book, ids `<idPrefix><i>` (the API benchmark's). */
export function bookBody(n: number, idPrefix: string): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++)
    parts.push(`"${idPrefix}${i}":${JSON.stringify({ terms: bookContract('PAM', i) })}`);
  return `{${parts.join(',')}}`;
}
