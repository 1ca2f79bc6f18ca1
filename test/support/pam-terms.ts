// PAM terms in the test beds' string form, for the tests that compute contracts.

/**
 * A one-year PAM of 3000 at 10% from 2013-01-01 (status date 2012-12-30), before its cycles and
 * conventions: the contract the processors' tests and the pipeline test build on.
 */
export const pam2013 = {
  contractType: 'PAM',
  statusDate: '2012-12-30T00:00:00',
  currency: 'USD',
  notionalPrincipal: '3000',
  initialExchangeDate: '2013-01-01T00:00:00',
  maturityDate: '2014-01-01T00:00:00',
  nominalInterestRate: '0.1',
  contractRole: 'RPA',
};

/** A small PAM (1000 at 5%, 2015 to 2017, half-yearly interest), for tests of the API's computations. */
export const pamTerms = (extra: Record<string, string> = {}) => ({
  contractType: 'PAM',
  contractID: 'x',
  contractRole: 'RPA',
  currency: 'USD',
  statusDate: '2015-01-01T00:00:00',
  initialExchangeDate: '2015-01-15T00:00:00',
  maturityDate: '2017-01-15T00:00:00',
  notionalPrincipal: '1000',
  nominalInterestRate: '0.05',
  dayCountConvention: 'A365',
  cycleOfInterestPayment: 'P6ML0',
  cycleAnchorDateOfInterestPayment: '2015-07-15T00:00:00',
  ...extra,
});

/** pamTerms whose rate resets every six months from the market object `R` (the store's series in tests). */
export const floatingPamTerms = (extra: Record<string, string> = {}) =>
  pamTerms({
    cycleOfRateReset: 'P6ML0',
    cycleAnchorDateOfRateReset: '2015-07-15T00:00:00',
    marketObjectCodeOfRateReset: 'R',
    rateSpread: '0',
    ...extra,
  });
