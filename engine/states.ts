// Contract state variables (spec "State Variables", dictionary actus-dictionary-states.json)
// as plain numbers in one object per computation. Times are Instants; NaN = not set.

export class StateSpace {
  /** Sd: status date (the calculation time of the last event). */
  statusDate = 0;
  /** Nt: notional principal, signed by the contract role. */
  notionalPrincipal = 0;
  /** Ipnr: nominal interest rate. */
  nominalInterestRate = 0;
  /** Ipac: accrued interest, signed. */
  accruedInterest = 0;
  /** Ipac2: accrued interest of a second (floating) leg, signed (SWPPV). */
  accruedInterest2 = 0;
  /** Feac: fee accrued. */
  feeAccrued = 0;
  /** Nsc: notional scaling multiplier. */
  notionalScalingMultiplier = 1;
  /** Isc: interest scaling multiplier. */
  interestScalingMultiplier = 1;
  /** Prnxt: next principal redemption payment, signed. */
  nextPrincipalRedemptionPayment = 0;
  /** Ipcb: interest calculation base, signed. */
  interestCalculationBase = 0;
  /** Prf: contract performance (PF, DL, DQ, DF). */
  contractPerformance = 'PF';
  /** Xd / Xa: exercise date and amount (options, credit enhancements, CLM). */
  exerciseDate = NaN;
  exerciseAmount = 0;
  /** Tmd: maturity date as a state (CLM/UMP/ANN may move it). */
  maturityDate = NaN;
}
