// Contract type registry: contractType → implementation. To add a type, add its file in this
// folder and one line here.
import type { ContractType } from '../contract-type.js';
import { PAM } from './pam.js';
import { LAM } from './lam.js';
import { SWPPV } from './swppv.js';
import { FXOUT } from './fxout.js';
import { SWAPS } from './swaps.js';
import { CAPFL } from './capfl.js';
import { NAM } from './nam.js';
import { ANN } from './ann.js';
import { LAX } from './lax.js';
import { CLM } from './clm.js';
import { UMP } from './ump.js';
import { STK } from './stk.js';
import { CSH } from './csh.js';
import { COM } from './com.js';
import { OPTNS } from './optns.js';
import { FUTUR } from './futur.js';
import { CEG } from './ceg.js';
import { CEC } from './cec.js';

export const contractTypes: Readonly<Record<string, ContractType>> = {
  PAM,
  LAM,
  SWPPV,
  FXOUT,
  SWAPS,
  CAPFL,
  NAM,
  ANN,
  LAX,
  CLM,
  UMP,
  STK,
  CSH,
  COM,
  OPTNS,
  FUTUR,
  CEG,
  CEC,
};
