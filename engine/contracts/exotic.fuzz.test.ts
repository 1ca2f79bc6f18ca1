// Robustness of LAX, CLM, UMP, STK, CSH and COM beyond engine.test.ts (whose base terms are a
// PAM's): corrupted type-specific terms (arrays, notice, dividends) and random observed events
// give events with finite numbers or a typed error, and always terminate.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { computeEvents } from '../engine.js';
import { isEngineError } from '../errors.js';
import { TimeSeriesObserver, type ObservedEvent } from '../observer.js';
import { parseDateTime } from '../time/date.js';

const bases: Record<string, Record<string, unknown>> = {
  LAX: {
    contractType: 'LAX', contractID: 'x', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00', initialExchangeDate: '2020-01-02T00:00:00',
    notionalPrincipal: '100', nominalInterestRate: '0.05', dayCountConvention: '30E360', arrayCycleAnchorDateOfInterestPayment: '2021-01-01T00:00:00',
    arrayCycleOfInterestPayment: 'P1YL1', arrayCycleAnchorDateOfPrincipalRedemption: ['2021-01-01T00:00:00', '2023-01-01T00:00:00'],
    arrayCycleOfPrincipalRedemption: ['P1YL1', 'P3ML1'], arrayNextPrincipalRedemptionPayment: [20, 60], arrayIncreaseDecrease: ['INC', 'DEC'],
    arrayCycleAnchorDateOfRateReset: ['2022-01-01T00:00:00'], arrayRate: [0.01], arrayFixedVariable: ['V'], marketObjectCodeOfRateReset: 'IDX',
  },
  CLM: {
    contractType: 'CLM', contractID: 'x', contractRole: 'RPL', currency: 'USD', statusDate: '2020-01-01T00:00:00', initialExchangeDate: '2020-01-02T00:00:00',
    notionalPrincipal: '1000', nominalInterestRate: '0.05', dayCountConvention: 'AA', cycleOfInterestPayment: 'P1ML1', xDayNotice: 'P1M',
    cycleOfRateReset: 'P3ML1', marketObjectCodeOfRateReset: 'IDX',
  },
  UMP: {
    contractType: 'UMP', contractID: 'x', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00', initialExchangeDate: '2020-01-02T00:00:00',
    notionalPrincipal: '1000', nominalInterestRate: '0.05', dayCountConvention: 'AA', cycleOfInterestPayment: 'P1ML1',
  },
  STK: {
    contractType: 'STK', contractID: 'x', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00', purchaseDate: '2020-01-02T00:00:00',
    priceAtPurchaseDate: '100', cycleAnchorDateOfDividend: '2020-06-30T00:00:00', cycleOfDividend: 'P6ML1', marketObjectCodeOfDividends: 'IDX',
  },
  CSH: { contractType: 'CSH', contractID: 'x', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00', notionalPrincipal: '5' },
  COM: {
    contractType: 'COM', contractID: 'x', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00', quantity: '3', unit: 'TON',
    purchaseDate: '2020-01-02T00:00:00', priceAtPurchaseDate: '10', terminationDate: '2021-01-02T00:00:00', priceAtTerminationDate: '12',
  },
};
const names = [...new Set(Object.values(bases).flatMap((b) => Object.keys(b))), 'maturityDate', 'nextResetRate', 'capitalizationEndDate',
  'nextDividendPaymentAmount', 'terminationDate', 'priceAtTerminationDate', 'endOfMonthConvention', 'businessDayConvention', 'interestCalculationBase'];
const value = fc.oneof(
  fc.constantFrom('', 'NaN', '-1', '0', '1e308', '2013-02-30T00:00:00', '9999-12-31T23:59:59', '0001-01-01T00:00:00', '2020-06-15T00:00:00',
    'P1DL0', 'P1ML1', 'P0D', 'P100Y', 'INC', 'DEC', 'FIX', 'VAR', 'NTL', 'EOM', 'SCMF', 'XX'),
  fc.array(fc.constantFrom('2021-01-01T00:00:00', 'P1DL1', 'DEC', 'INC', '5', 'F', 'x'), { maxLength: 4 }),
  fc.double(),
  fc.string(),
);
const observedEvent = fc.record({
  type: fc.constantFrom('XD', 'PR', 'PI', 'AD', 'CE'),
  time: fc.integer({ min: parseDateTime('2019-01-01T00:00:00')!, max: parseDateTime('2060-01-01T00:00:00')! }),
  value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  contractId: fc.constantFrom('x', 'y'),
});

describe('exotic types robustness', () => {
  for (const [type, base] of Object.entries(bases))
    it(`corrupted ${type} terms and random observed events: typed errors only, finite numbers, terminates`, () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 3 }),
          fc.array(fc.constantFrom(...names), { maxLength: 2 }),
          fc.array(observedEvent, { maxLength: 3 }),
          fc.option(fc.integer({ min: parseDateTime('2019-06-01T00:00:00')!, max: parseDateTime('2040-01-01T00:00:00')! }), { nil: undefined }),
          (patch, drop, observed, to) => {
            const raw: Record<string, unknown> = { ...base, ...patch, contractType: type };
            for (const d of drop) if (d !== 'contractType') delete raw[d];
            const observer = new TimeSeriesObserver({ IDX: [{ time: 0, value: 0.02 }] }, observed as ObservedEvent[]);
            try {
              for (const e of computeEvents(raw, { observer, to }))
                for (const v of [e.payoff, e.notionalPrincipal, e.nominalInterestRate, e.accruedInterest, e.time]) expect(Number.isFinite(v)).toBe(true);
            } catch (e) {
              if (!isEngineError(e)) throw e;
            }
          },
        ),
        { numRuns: 120 },
      );
    });
});
