// A small PAM's terms in the test beds' string form, for tests of the API's computations.
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
