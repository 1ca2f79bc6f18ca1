// The demo's sample book: a few thousand contracts of every type the engine supports (asked of
// engine/contracts/registry.ts at run time: a type added later joins the book when it has a
// term builder below), a share of them with annual rate resets on one of two market object
// codes, the market data they need, and positions in a few portfolios. Deterministic: the same
// size gives the same rows, so a second demo run finds nothing to change in the book.
import { bookContract, type BenchType } from './synthetic-book.js';
import { contractTypes, dependenciesOf, prepareContract } from '../engine/index.js';
import type { ContractRow, MarketDataRow, PositionRow } from '../db/database.js';

export const DEMO_PREFIX = 'demo-';
export const RATE_CODES = ['USD.SOFR', 'USD.TERM3M'] as const;
export const PORTFOLIOS = ['P-ALPHA', 'P-BETA', 'P-GAMMA'] as const;

type Terms = Record<string, string>;

/** Term builders per contract type; the engine's own benchmark book is the base for the amortizers. */
const builders: Record<string, (i: number) => Terms> = {
  PAM: (i) => bookContract('PAM', i),
  LAM: (i) => bookContract('LAM', i),
  NAM: (i) => bookContract('NAM', i),
  ANN: (i) => bookContract('ANN', i),
  // the engine benchmark's plain vanilla swap, where its book has one (floating leg on its own code)
  SWPPV: (i) => bookContract('SWPPV' as BenchType, i),
};

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addYears(iso: string, years: number): string {
  return `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;
}

export interface DemoContract {
  row: ContractRow;
  rateCode: string | null;
}

/** The types of the book: every registered type with a builder whose terms the engine accepts. */
export function demoTypes(): string[] {
  return Object.keys(builders).filter((type) => {
    if (!contractTypes[type]) return false;
    try {
      prepareContract(builders[type](0));
      return true;
    } catch {
      return false;
    }
  });
}

/** `size` contracts spread over the supported types; every third one resets its rate yearly. */
export function demoContracts(size: number): DemoContract[] {
  const types = demoTypes();
  if (types.length === 0) throw new Error('the engine registers none of the demo book types');
  const rnd = random(42);
  const out: DemoContract[] = [];
  for (let i = 0; i < size; i++) {
    const type = types[i % types.length];
    const n = Math.floor(i / types.length);
    const t = builders[type](n);
    const id = `${DEMO_PREFIX}${type.toLowerCase()}-${String(n).padStart(5, '0')}`;
    t.contractID = id;
    t.notionalPrincipal = String(Math.round(50_000 + rnd() * 950_000));
    t.nominalInterestRate = (0.02 + Math.round(rnd() * 400) / 10_000).toFixed(4);
    if (t.nextPrincipalRedemptionPayment) t.nextPrincipalRedemptionPayment = String(Math.round(Number(t.notionalPrincipal) / 40));
    const role = rnd();
    if (t.contractRole === 'RPA') t.contractRole = role < 0.8 ? 'RPA' : 'RPL'; // swaps keep their RF/PF
    let rateCode: string | null = null;
    if (i % 3 === 0) {
      rateCode = RATE_CODES[Math.floor(i / 3) % RATE_CODES.length];
      t.cycleOfRateReset = 'P1YL1';
      t.cycleAnchorDateOfRateReset = addYears(t.initialExchangeDate, 1);
      t.marketObjectCodeOfRateReset = rateCode;
      t.rateSpread = '0.0100';
      t.rateMultiplier = '1';
    }
    out.push({ row: { contractId: id, contractType: type, terms: JSON.stringify(t) }, rateCode });
  }
  return out;
}

/**
 * Monthly observations from 2014-01 to 2026-11 (a bounded random walk) of each rate code and of
 * every other market object code the book depends on (e.g. a swap's floating leg).
 */
export function demoMarketData(book: readonly DemoContract[] = []): MarketDataRow[] {
  const rows: MarketDataRow[] = [];
  const codes = new Set<string>(RATE_CODES);
  for (const c of book) for (const d of dependenciesOf(JSON.parse(c.row.terms) as Terms)) codes.add(d);
  [...codes].forEach((code, k) => {
    const rnd = random(7 + k);
    let value = 0.02 + k * 0.003;
    for (let y = 2014; y <= 2026; y++)
      for (let m = 1; m <= 12; m++) {
        if (y === 2026 && m > 11) break;
        value = Math.min(0.06, Math.max(0.001, value + (rnd() - 0.5) * 0.002));
        rows.push({ marketObjectCode: code, observedAt: `${y}-${String(m).padStart(2, '0')}-01T00:00:00`, value: Math.round(value * 1e6) / 1e6 });
      }
  });
  return rows;
}

/** Each contract in one portfolio (round robin), every fifth also in a second, quantities 1–5. */
export function demoPositions(contracts: readonly DemoContract[]): PositionRow[] {
  const rnd = random(99);
  const rows: PositionRow[] = [];
  contracts.forEach((c, i) => {
    const p = PORTFOLIOS[i % PORTFOLIOS.length];
    rows.push({ positionId: `${c.row.contractId}@${p}`, portfolioId: p, contractId: c.row.contractId, quantity: 1 + Math.floor(rnd() * 5) });
    if (i % 5 === 0) {
      const q = PORTFOLIOS[(i + 1) % PORTFOLIOS.length];
      rows.push({ positionId: `${c.row.contractId}@${q}`, portfolioId: q, contractId: c.row.contractId, quantity: 1 + Math.floor(rnd() * 5) });
    }
  });
  return rows;
}

export type { BenchType };
