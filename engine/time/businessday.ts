// Business-day conventions (spec "Business Day Convention", dictionary businessDayConvention).
// SC*: shift, then calculate on the shifted date; CS*: calculate on the unshifted date, then
// shift the payment. F following, MF modified following, P preceding, MP modified preceding.
import { civil, civilOut, plusDays, type Instant } from './date.js';
import type { BusinessCalendar } from './calendar.js';

export type BusinessDayConvention = 'NOS' | 'SCF' | 'SCMF' | 'CSF' | 'CSMF' | 'SCP' | 'SCMP' | 'CSP' | 'CSMP';

const enum Dir { None, Following, ModFollowing, Preceding, ModPreceding }

export class BusinessDayAdjuster {
  private readonly dir: Dir;
  /** true when calculations use the shifted date (SC*). */
  private readonly shiftCalc: boolean;
  constructor(
    convention: BusinessDayConvention,
    private readonly calendar: BusinessCalendar,
  ) {
    this.shiftCalc = convention.startsWith('SC');
    const rule = convention === 'NOS' ? '' : convention.slice(2);
    this.dir =
      rule === 'F' ? Dir.Following : rule === 'MF' ? Dir.ModFollowing : rule === 'P' ? Dir.Preceding : rule === 'MP' ? Dir.ModPreceding : Dir.None;
  }

  /** true when no date is ever moved (fast path). */
  get isIdentity(): boolean {
    return this.dir === Dir.None;
  }

  /** The event (payment) date of a scheduled date. */
  shiftEventTime(t: Instant): Instant {
    switch (this.dir) {
      case Dir.None:
        return t;
      case Dir.Following:
        return this.step(t, 1);
      case Dir.Preceding:
        return this.step(t, -1);
      case Dir.ModFollowing: {
        const s = this.step(t, 1);
        return sameMonth(s, t) ? s : this.step(t, -1);
      }
      case Dir.ModPreceding: {
        const s = this.step(t, -1);
        return sameMonth(s, t) ? s : this.step(t, 1);
      }
    }
  }

  /** The date interest and other calculations use for a scheduled date. */
  shiftCalcTime(t: Instant): Instant {
    return this.shiftCalc ? this.shiftEventTime(t) : t;
  }

  private step(t: Instant, dir: 1 | -1): Instant {
    let s = t;
    // at most a handful of iterations with the calendars of the dictionary
    for (let i = 0; i < 30 && !this.calendar.isBusinessDay(s); i++) s = plusDays(s, dir);
    return s;
  }
}

function sameMonth(a: Instant, b: Instant): boolean {
  civil(a);
  const ym = civilOut[0] * 12 + civilOut[1];
  civil(b);
  return ym === civilOut[0] * 12 + civilOut[1];
}
