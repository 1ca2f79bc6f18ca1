// Contract type registry: contractType → implementation. To add a type, add its file in this
// folder and one line here.
import type { ContractType } from '../contract-type.js';
import { PAM } from './pam.js';
import { LAM } from './lam.js';
import { NAM } from './nam.js';
import { ANN } from './ann.js';
import { LAX } from './lax.js';

export const contractTypes: Readonly<Record<string, ContractType>> = {
  PAM,
  LAM,
  NAM,
  ANN,
  LAX,
};
