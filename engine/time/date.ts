// Instants are plain numbers: milliseconds since 1970-01-01T00:00:00 in a zone-less civil time
// (ACTUS dates carry no time zone; the test beds have times of day such as 23:59:59).
// Civil-calendar arithmetic uses days-from-civil (proleptic Gregorian), no Date objects.

export type Instant = number;

export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a civil date (month 1..12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Scratch output of `civil`: [year, month, day]; read right after calling it. */
export const civilOut = new Int32Array(3);

/** Splits days since epoch into civilOut = [year, month 1..12, day]. */
export function civilFromDays(z: number): void {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  civilOut[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  civilOut[1] = m;
  civilOut[2] = d;
}

export function dayNumber(t: Instant): number {
  return Math.floor(t / MS_PER_DAY);
}

export function timeOfDay(t: Instant): number {
  return t - dayNumber(t) * MS_PER_DAY;
}

/** Splits an instant into civilOut = [year, month, day]. */
export function civil(t: Instant): void {
  civilFromDays(dayNumber(t));
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[m - 1];
}

export function instant(y: number, m: number, d: number, hh = 0, mm = 0, ss = 0): Instant {
  return daysFromCivil(y, m, d) * MS_PER_DAY + ((hh * 60 + mm) * 60 + ss) * 1000;
}

/** Adds months like java.time (day clamped to the target month's length), keeping the time of day. */
export function plusMonths(t: Instant, months: number): Instant {
  const day = dayNumber(t);
  const tod = t - day * MS_PER_DAY;
  civilFromDays(day);
  const total = civilOut[0] * 12 + (civilOut[1] - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  const dim = daysInMonth(y, m);
  const d = civilOut[2] > dim ? dim : civilOut[2];
  return daysFromCivil(y, m, d) * MS_PER_DAY + tod;
}

export function plusDays(t: Instant, days: number): Instant {
  return t + days * MS_PER_DAY;
}

export function isLastDayOfMonth(t: Instant): boolean {
  civil(t);
  return civilOut[2] === daysInMonth(civilOut[0], civilOut[1]);
}

/** Same time of day on the last day of the instant's month. */
export function toEndOfMonth(t: Instant): Instant {
  const day = dayNumber(t);
  const tod = t - day * MS_PER_DAY;
  civilFromDays(day);
  return daysFromCivil(civilOut[0], civilOut[1], daysInMonth(civilOut[0], civilOut[1])) * MS_PER_DAY + tod;
}

/** 0 = Monday .. 6 = Sunday (ISO). */
export function dayOfWeek(t: Instant): number {
  return (((dayNumber(t) + 3) % 7) + 7) % 7;
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z]` (surrounding blanks allowed); undefined when
 * malformed or not a real calendar date. Hand-written: it runs for every date term of every contract.
 */
export function parseDateTime(input: string): Instant | undefined {
  const s = input.length > 0 && (input.charCodeAt(0) <= 32 || input.charCodeAt(input.length - 1) <= 32) ? input.trim() : input;
  let n = s.length;
  if (n > 0 && s[n - 1] === 'Z') n--;
  if (n < 10 || s[4] !== '-' || s[7] !== '-') return undefined;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  let hh = 0, mi = 0, ss = 0;
  if (n > 10) {
    if ((s[10] !== 'T' && s[10] !== ' ') || n < 16 || s[13] !== ':') return undefined;
    hh = digits(s, 11, 2);
    mi = digits(s, 14, 2);
    if (n > 16) {
      if (s[16] !== ':' || n < 19) return undefined;
      ss = digits(s, 17, 2);
      if (n > 19) {
        if (s[19] !== '.' || n === 20 || digits(s, 20, n - 20) < 0) return undefined;
      }
    }
  }
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59) return undefined;
  return instant(y, mo, d, hh, mi, ss);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

/** `YYYY-MM-DDTHH:MM:SS`. */
export function formatDateTime(t: Instant): string {
  const day = dayNumber(t);
  let s = Math.floor((t - day * MS_PER_DAY) / 1000);
  civilFromDays(day);
  const y = civilOut[0];
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mi = Math.floor(s / 60);
  s -= mi * 60;
  const ys = y >= 0 && y < 10000 ? String(y).padStart(4, '0') : String(y);
  return `${ys}-${pad2(civilOut[1])}-${pad2(civilOut[2])}T${pad2(hh)}:${pad2(mi)}:${pad2(s)}`;
}
