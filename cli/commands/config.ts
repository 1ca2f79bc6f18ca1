// `cashflow config [--json]`: the effective configuration, one variable a line, with where each
// value came from (default, environment, `<NAME>_FILE`); passwords, keys and the credentials in
// URLs masked. Wrong variables are listed with the rest, then reported as by every command (exit 2).
import { ConfigError, describeConfig } from '../../config/config.js';
import { shownValue } from '../../config/redact.js';
import type { Reading } from '../../config/variables.js';

export interface ShownReading {
  variable: string;
  value: string;
  source: string;
  problem?: string;
}

/** A reading as it may be shown: masked value, source in words. */
export function shownReading(r: Reading, mask: (value: string, secret: boolean) => string): ShownReading {
  const source =
    r.origin === 'environment'
      ? 'environment'
      : r.origin === 'file'
        ? `${r.variable}_FILE (${r.file})`
        : r.defaultFrom
          ? `default (from ${r.defaultFrom})`
          : 'default';
  return {
    variable: r.variable,
    value: r.value === undefined ? '(unset)' : r.value === '' ? '(empty)' : mask(r.value, r.secret),
    source,
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

export function formatReadings(rows: ShownReading[]): string {
  const width = (pick: (r: ShownReading) => string, title: string) => Math.max(title.length, ...rows.map((r) => pick(r).length));
  const w1 = width((r) => r.variable, 'variable');
  const w2 = Math.min(60, width((r) => r.value, 'value'));
  const line = (a: string, b: string, c: string, problem?: string) =>
    `${a.padEnd(w1)}  ${b.padEnd(w2)}  ${c}${problem ? `  INVALID: ${problem}` : ''}`.trimEnd() + '\n';
  return line('variable', 'value', 'source') + rows.map((r) => line(r.variable, r.value, r.source, r.problem)).join('');
}

/** `cashflow config` */
export async function action(opts: { json?: boolean }): Promise<void> {
  const { readings, issues } = describeConfig(process.env);
  const rows = readings.map((r) => shownReading(r, shownValue));
  process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatReadings(rows));
  if (issues.length > 0) throw ConfigError.of(issues);
}

