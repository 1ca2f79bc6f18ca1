// A portfolio's cash flow ladder by month: a text table for the terminal and an SVG bar chart
// (net inflow months up in green, net outflow months down in red, the cumulative net as a line), written without any dependency.
import type { LadderRow } from '../db/database.js';

export interface MonthTotal {
  /** `YYYY-MM` */
  month: string;
  net: number;
  events: number;
}

/** Monthly net totals (the database's ladder sums payoffs per month and currency) of one currency. */
export function monthTotals(rows: readonly LadderRow[], currency?: string): MonthTotal[] {
  const byMonth = new Map<string, MonthTotal>();
  for (const r of rows) {
    if (currency !== undefined && r.currency !== currency) continue;
    const month = r.bucket.slice(0, 7);
    const m = byMonth.get(month) ?? { month, net: 0, events: 0 };
    m.net += Number(r.payoff);
    m.events += Number(r.events);
    byMonth.set(month, m);
  }
  return [...byMonth.values()].sort((a, b) => a.month.localeCompare(b.month));
}

/** The months from `from` (`YYYY-MM`), `count` of them, filled with zeros where nothing flows. */
export function monthWindow(totals: readonly MonthTotal[], from: string, count: number): MonthTotal[] {
  const byMonth = new Map(totals.map((t) => [t.month, t]));
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const out: MonthTotal[] = [];
  for (let i = 0; i < count; i++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    out.push(byMonth.get(month) ?? { month, net: 0, events: 0 });
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

const money = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** A fixed-width text table: month, net, events, cumulative net. */
export function ladderTable(months: readonly MonthTotal[], currency: string): string {
  const header = ['month', `net ${currency}`, 'events', `cumulative ${currency}`];
  let cumulative = 0;
  const body = months.map((m) => {
    cumulative += m.net;
    return [m.month, money(m.net), String(m.events), money(cumulative)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An SVG bar chart of monthly net cash flows with the cumulative net as a line. */
export function ladderSvg(months: readonly MonthTotal[], title: string, currency: string): string {
  const W = 1200;
  const H = 520;
  const left = 90;
  const right = 30;
  const top = 60;
  const bottom = 70;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const n = Math.max(months.length, 1);
  const maxAbs = Math.max(1, ...months.map((m) => Math.abs(m.net)));
  const y0 = top + plotH / 2;
  const scale = plotH / 2 / maxAbs;
  const barW = plotW / n;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="30" font-size="20" fill="#222">${esc(title)}</text>`);
  parts.push(`<text x="${left}" y="50" font-size="12" fill="#666">net cash flow per month (${esc(currency)}); green in, red out; the line is the cumulative net on its own scale</text>`);
  // grid and axis labels
  for (const f of [-1, -0.5, 0, 0.5, 1]) {
    const y = y0 - f * maxAbs * scale;
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${f === 0 ? '#444' : '#ddd'}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 8}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#444">${money(f * maxAbs)}</text>`);
  }
  months.forEach((m, i) => {
    const x = left + i * barW;
    const h = Math.abs(m.net) * scale;
    const y = m.net >= 0 ? y0 - h : y0;
    parts.push(
      `<rect x="${(x + barW * 0.1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, barW * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${m.net >= 0 ? '#2e8b57' : '#c0392b'}"><title>${m.month}: ${money(m.net)} ${esc(currency)}, ${m.events} events</title></rect>`,
    );
    if (m.month.endsWith('-01') || n <= 24)
      parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${H - bottom + 18}" font-size="11" text-anchor="middle" fill="#444">${n <= 24 ? m.month : m.month.slice(0, 4)}</text>`);
  });
  // cumulative net, scaled to the plot's full height
  let cumulative = 0;
  const cum = months.map((m) => (cumulative += m.net));
  const maxCum = Math.max(1, ...cum.map(Math.abs));
  const pts = cum.map((c, i) => `${(left + i * barW + barW / 2).toFixed(1)},${(y0 - (c / maxCum) * (plotH / 2)).toFixed(1)}`).join(' ');
  parts.push(`<polyline points="${pts}" fill="none" stroke="#1f4e9c" stroke-width="2"/>`);
  parts.push(`<text x="${W - right}" y="${H - 20}" font-size="11" text-anchor="end" fill="#1f4e9c">cumulative net at the end: ${money(cum[cum.length - 1] ?? 0)} ${esc(currency)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
