import { describe, it, expect } from 'vitest';
import { eomApplies } from './eom.js';
import { parseCycle } from './cycle.js';
import { instant } from './date.js';

describe('end of month convention', () => {
  it('applies for EOM, a month-end anchor and a month-based cycle only', () => {
    expect(eomApplies('EOM', instant(2013, 4, 30), parseCycle('P1ML1')!)).toBe(true);
    expect(eomApplies('SD', instant(2013, 4, 30), parseCycle('P1ML1')!)).toBe(false);
    expect(eomApplies('EOM', instant(2013, 4, 29), parseCycle('P1ML1')!)).toBe(false);
    expect(eomApplies('EOM', instant(2013, 4, 30), parseCycle('P7DL1')!)).toBe(false);
    // spec: only c = NPS with P in M, Q, H, Y; a duration with days is not whole months
    expect(eomApplies('EOM', instant(2013, 4, 30), parseCycle('1Q+')!)).toBe(true);
    expect(eomApplies('EOM', instant(2013, 4, 30), parseCycle('P1Y6ML1')!)).toBe(true);
    expect(eomApplies('EOM', instant(2013, 4, 30), parseCycle('P1M1DL1')!)).toBe(false);
  });
});
