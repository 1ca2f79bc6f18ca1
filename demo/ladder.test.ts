import { describe, expect, it } from 'vitest';
import { ladderSvg, ladderTable, monthTotals, monthWindow } from './ladder.js';

const rows = [
  { bucket: '2027-01-01', currency: 'USD', payoff: 1000, events: 2 },
  { bucket: '2027-01-01', currency: 'EUR', payoff: 5, events: 1 },
  { bucket: '2027-03-01', currency: 'USD', payoff: -250.5, events: 1 },
];

describe('the ladder', () => {
  it('sums one currency per month and fills the months without flows', () => {
    const months = monthWindow(monthTotals(rows, 'USD'), '2026-12', 5);
    expect(months.map((m) => [m.month, m.net, m.events])).toEqual([
      ['2026-12', 0, 0],
      ['2027-01', 1000, 2],
      ['2027-02', 0, 0],
      ['2027-03', -250.5, 1],
      ['2027-04', 0, 0],
    ]);
  });

  it('prints a table with a cumulative column', () => {
    const table = ladderTable(monthWindow(monthTotals(rows, 'USD'), '2027-01', 3), 'USD');
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/month\s+net USD\s+events\s+cumulative USD/);
    expect(lines[4]).toMatch(/^2027-03\s+-251\s+1\s+750$/);
  });

  it('draws one bar per month in a well-formed SVG, inflows green and outflows red', () => {
    const svg = ladderSvg(monthWindow(monthTotals(rows, 'USD'), '2027-01', 3), 'P <1> & co', 'USD');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('P &lt;1&gt; &amp; co');
    expect(svg.match(/<rect x=/g)?.length).toBe(3);
    expect(svg).toContain('fill="#2e8b57"');
    expect(svg).toContain('fill="#c0392b"');
  });
});
