// The alert rules are valid and behave as their unit tests say: promtool (Debian's prometheus
// package, installed by scripts/setup.sh) checks ops/prometheus/alerts.yml and runs
// ops/prometheus/alerts.test.yml, where every alert has a case that fires and one that does not.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoFile } from '../../config/repo-file.js';

const dir = repoFile('ops', 'prometheus');

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  if (r.error)
    throw new Error(
      `promtool cannot run (${r.error.message}): bash scripts/setup.sh installs Debian's prometheus package, which has it`,
    );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('alert rules (ops/prometheus)', () => {
  it('pass promtool check rules', () => {
    const r = promtool('check', 'rules', 'alerts.yml');
    expect(r.output).toContain('SUCCESS');
    expect(r.status, r.output).toBe(0);
  });

  it('pass their unit tests (promtool test rules), each alert firing and not firing', () => {
    const r = promtool('test', 'rules', 'alerts.test.yml');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('every alert has a unit test that expects it to fire and one that expects silence', () => {
    const rules = parse(readFileSync(join(dir, 'alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string }[] }[];
    };
    const tests = parse(readFileSync(join(dir, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const a of alerts) {
      expect(
        cases.some((c) => c.alertname === a && c.exp_alerts.length > 0),
        `${a} fires somewhere`,
      ).toBe(true);
      expect(
        cases.some((c) => c.alertname === a && c.exp_alerts.length === 0),
        `${a} stays silent somewhere`,
      ).toBe(true);
    }
  });

  it('a broken rule is refused by promtool (the check can fail)', () => {
    const r = spawnSync('promtool', ['check', 'rules'], {
      input: 'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m])\n',
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
  });
});
