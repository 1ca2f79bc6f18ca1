// A job's result as CSV: one row per event, one row with the error for a case that could not be
// computed. Columns are the event fields of `cashflow actus` (docs/interfaces.md).
import type { CaseResult, EventJson } from '../engine/index.js';

const COLUMNS = [
  'caseId',
  'eventDate',
  'eventType',
  'payoff',
  'currency',
  'notionalPrincipal',
  'nominalInterestRate',
  'accruedInterest',
  'exerciseDate',
  'exerciseAmount',
  'error',
] as const;

/** RFC 4180 quoting where needed. */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${COLUMNS.join(',')}\r\n`;
}

export function csvRows(results: Record<string, CaseResult>): string {
  let out = '';
  for (const [id, r] of Object.entries(results)) {
    const caseId = csvField(id);
    if (!Array.isArray(r)) {
      out += `${caseId},,,,,,,,,,${csvField(r.error)}\r\n`;
      continue;
    }
    for (const e of r as EventJson[])
      out += `${caseId},${e.eventDate},${csvField(e.eventType)},${e.payoff},${csvField(e.currency)},${e.notionalPrincipal ?? ''},${e.nominalInterestRate ?? ''},${e.accruedInterest ?? ''},${e.exerciseDate ?? ''},${e.exerciseAmount ?? ''},\r\n`;
  }
  return out;
}
