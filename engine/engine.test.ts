// Property/fuzz tests of the engine's robustness: random and corrupted terms give events with
// finite numbers or a typed error (InvalidTermsError / ComputationError), and always terminate.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { computeEvents } from './engine.js';
import { isEngineError, InvalidTermsError } from './errors.js';
import { contractTypes } from './contracts/registry.js';

const base: Record<string, string> = {
  contractType: 'PAM', contractID: 'f', statusDate: '2012-12-30T00:00:00', currency: 'USD', notionalPrincipal: '3000',
  initialExchangeDate: '2013-01-01T00:00:00', maturityDate: '2016-01-01T00:00:00', nominalInterestRate: '0.1',
  cycleAnchorDateOfInterestPayment: '2013-01-01T00:00:00', cycleOfInterestPayment: 'P1ML0', dayCountConvention: 'A365', contractRole: 'RPA',
  cycleAnchorDateOfPrincipalRedemption: '2013-02-01T00:00:00', cycleOfPrincipalRedemption: 'P1ML0', nextPrincipalRedemptionPayment: '100',
};
const termNames = [...Object.keys(base), 'cycleOfRateReset', 'marketObjectCodeOfRateReset', 'businessDayConvention', 'calendar', 'endOfMonthConvention',
  'capitalizationEndDate', 'purchaseDate', 'priceAtPurchaseDate', 'terminationDate', 'priceAtTerminationDate', 'rateSpread', 'feeRate', 'feeBasis',
  'cycleOfFee', 'scalingEffect', 'cycleOfScalingIndex', 'marketObjectCodeOfScalingIndex', 'scalingIndexAtContractDealDate', 'amortizationDate',
  'interestCalculationBase', 'accruedInterest', 'lifeCap', 'lifeFloor', 'periodCap', 'periodFloor', 'nextResetRate'];

const value = fc.oneof(
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-1', '0', '1e308', '2013-02-30T00:00:00', '9999-12-31T23:59:59', '0001-01-01T00:00:00',
    'P1DL0', 'P0ML0', 'P1ML1', 'P100YL1', 'SCMF', 'MF', 'EOM', 'NTL', 'IN0', 'A', 'RPL', 'XX', 'USD_SWP', '2013-06-15T12:00:00'),
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
);

function check(raw: Record<string, unknown>): void {
  try {
    const events = computeEvents(raw);
    for (const e of events)
      for (const v of [e.payoff, e.notionalPrincipal, e.nominalInterestRate, e.accruedInterest, e.time]) expect(Number.isFinite(v)).toBe(true);
  } catch (e) {
    if (!isEngineError(e)) throw e;
  }
}

describe('engine robustness', () => {
  it('random terms: typed errors only, finite numbers, terminates', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...termNames), value), (raw) => check(raw)), { numRuns: 500 });
  });
  for (const type of Object.keys(contractTypes))
    it(`corrupted ${type} terms: typed errors only, finite numbers, terminates`, () => {
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...termNames), value, { maxKeys: 4 }), fc.array(fc.constantFrom(...termNames), { maxLength: 3 }), (patch, drop) => {
          const raw: Record<string, unknown> = { ...base, contractType: type, ...patch };
          for (const d of drop) delete raw[d];
          check(raw);
        }),
        { numRuns: 400 },
      );
    });
  it('an invalid contract names every offending term', () => {
    expect(() => computeEvents({ ...base, notionalPrincipal: 'x', dayCountConvention: 'Y' })).toThrow(InvalidTermsError);
    try {
      computeEvents({ ...base, notionalPrincipal: 'x', dayCountConvention: 'Y' });
    } catch (e) {
      expect((e as InvalidTermsError).issues.map((i) => i.term)).toEqual(['notionalPrincipal', 'dayCountConvention']);
    }
  });
});
