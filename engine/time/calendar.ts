// Business-day calendars of the dictionary (term `calendar`): NC (no holidays) and MF
// (Monday to Friday: Saturdays and Sundays are holidays).
import { dayOfWeek, type Instant } from './date.js';

export type CalendarName = 'NC' | 'MF';

export interface BusinessCalendar {
  isBusinessDay(t: Instant): boolean;
}

export const noCalendar: BusinessCalendar = { isBusinessDay: () => true };
export const mondayToFriday: BusinessCalendar = { isBusinessDay: (t) => dayOfWeek(t) < 5 };

export function calendarOf(name: CalendarName): BusinessCalendar {
  return name === 'MF' ? mondayToFriday : noCalendar;
}
