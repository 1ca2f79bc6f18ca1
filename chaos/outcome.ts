// The chaos run's verdict (pure): the dead letters found against the malformed rows written, and
// the one table the command prints.
import type { VerifyCounts } from '../processors/verification.js';
import { DEAD_LETTERED_TABLES, type MalformedRow } from './schedule.js';

/** A dead letter as the run reads it back: the source row it names (rowIdentity) and its reason. */
export interface FoundDeadLetter {
  /** `<table>/<primary key>`, or `not a source row: <topic>[<partition>]@<offset> …` for a record of our own topics. */
  row: string;
  reason: string;
  processor: string;
}

export interface DeadLetterCheck {
  /** Malformed rows of the tables the pipeline reads. */
  expected: number;
  /** Of those, rows with at least one dead letter giving the expected reason. */
  found: number;
  /** Expected rows without any dead letter. */
  missing: string[];
  /** Expected rows dead-lettered with another reason. */
  wrongReason: { row: string; reason: string }[];
  /** Dead letters of rows that were not written malformed (valid rows, or rows of no table). */
  unexpected: FoundDeadLetter[];
  /** Dead letters beyond the first of a row (a batch retried after its dead letters were sent: at-least-once). */
  repeated: number;
}

export function checkDeadLetters(written: readonly MalformedRow[], found: readonly FoundDeadLetter[]): DeadLetterCheck {
  const expected = new Map(written.filter((r) => DEAD_LETTERED_TABLES.has(r.table)).map((r) => [r.id, r]));
  const seen = new Map<string, FoundDeadLetter[]>();
  const unexpected: FoundDeadLetter[] = [];
  for (const d of found) {
    if (!expected.has(d.row)) {
      unexpected.push(d);
      continue;
    }
    const list = seen.get(d.row);
    if (list) list.push(d);
    else seen.set(d.row, [d]);
  }
  const missing: string[] = [];
  const wrongReason: { row: string; reason: string }[] = [];
  let ok = 0;
  let repeated = 0;
  for (const [id, row] of expected) {
    const letters = seen.get(id);
    if (!letters) {
      missing.push(id);
      continue;
    }
    repeated += letters.length - 1;
    if (letters.some((d) => row.reason.test(d.reason))) ok++;
    else wrongReason.push({ row: id, reason: letters[0].reason });
  }
  return { expected: expected.size, found: ok, missing, wrongReason, unexpected, repeated };
}

export interface ChaosOutcome {
  scenario: string;
  faults: number;
  seconds: number;
  verify: VerifyCounts;
  /** Contracts whose stored rows outnumber their version row's event count (a result written twice). */
  duplicate: number;
  deadLetters: DeadLetterCheck;
  /** Consumer groups' partitions not at the end of their topics, `group topic[p] committed/end`. */
  lagging: string[];
  /** Processors not running or not ready at the end. */
  down: string[];
}

/** Whether the run is clean: what the command's exit status says. */
export function outcomeProblems(o: ChaosOutcome): string[] {
  const p: string[] = [];
  const v = o.verify;
  for (const [what, n] of [['missing', v.missing], ['stale', v.stale], ['duplicate', o.duplicate], ['extra', v.extra], ['differing', v.differing]] as const)
    if (n > 0) p.push(`${n} ${what} contract${n === 1 ? '' : 's'}`);
  const d = o.deadLetters;
  if (d.missing.length) p.push(`${d.missing.length} malformed rows without a dead letter (first: ${d.missing.slice(0, 3).join(', ')})`);
  if (d.wrongReason.length) p.push(`${d.wrongReason.length} dead letters with another reason (first: ${d.wrongReason[0].row}: ${d.wrongReason[0].reason})`);
  if (d.unexpected.length) p.push(`${d.unexpected.length} dead letters of rows not written malformed (first: ${d.unexpected[0].row}: ${d.unexpected[0].reason})`);
  if (o.lagging.length) p.push(`consumer groups behind: ${o.lagging.slice(0, 5).join(', ')}`);
  if (o.down.length) p.push(`processors not running or not ready: ${o.down.join(', ')}`);
  return p;
}

/** The one table: a header and one row, columns aligned. */
export function formatTable(o: ChaosOutcome): string {
  const v = o.verify;
  const d = o.deadLetters;
  const cells: [string, string][] = [
    ['scenario', o.scenario],
    ['faults injected', String(o.faults)],
    ['duration', `${Math.round(o.seconds)} s`],
    ['rows checked', String(v.rows)],
    ['missing', String(v.missing)],
    ['stale', String(v.stale)],
    ['duplicate', String(o.duplicate)],
    ['extra', String(v.extra)],
    ['differing', String(v.differing)],
    ['dead letters expected / found', `${d.expected} / ${d.found}${d.unexpected.length ? ` (+${d.unexpected.length} unexpected)` : ''}`],
  ];
  const widths = cells.map(([h, c]) => Math.max(h.length, c.length));
  const line = (texts: string[]) => `| ${texts.map((t, i) => t.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells.map(([h]) => h)), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, line(cells.map(([, c]) => c))].join('\n');
}
