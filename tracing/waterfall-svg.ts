// One trace drawn as a waterfall (SVG): a row per span, indented under its parent, children in
// start order, a bar from its start to its end on one time axis. Drawn by us from Zipkin's
// /api/v2/trace JSON (`cashflow trace`, the README's picture). Pure.
import type { ZipkinSpan } from './zipkin-api.js';

const ROW = 22;
const LABEL_WIDTH = 470;
const BAR_WIDTH = 560;
const TOP = 46;
const PAD = 12;

const kindColour: Record<string, string> = {
  PRODUCER: '#4c78a8',
  CONSUMER: '#f58518',
  CLIENT: '#54a24b',
  SERVER: '#b279a2',
};

const escapeXml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** The spans in drawing order with their depth: depth-first from the roots, children by start. */
export function waterfallRows(spans: readonly ZipkinSpan[]): { span: ZipkinSpan; depth: number }[] {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map<string | undefined, ZipkinSpan[]>();
  for (const s of spans) {
    // a span whose parent is not in the trace (not sampled, not exported) is drawn as a root
    const parent = s.parentId && ids.has(s.parentId) ? s.parentId : undefined;
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(s);
  }
  for (const list of children.values()) list.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  const rows: { span: ZipkinSpan; depth: number }[] = [];
  const visit = (s: ZipkinSpan, depth: number) => {
    rows.push({ span: s, depth });
    for (const c of children.get(s.id) ?? []) visit(c, depth + 1);
  };
  for (const r of children.get(undefined) ?? []) visit(r, 0);
  return rows;
}

const ms = (us: number) =>
  us >= 10_000_000
    ? `${(us / 1e6).toFixed(1)} s`
    : us >= 10_000
      ? `${Math.round(us / 1000)} ms`
      : `${(us / 1000).toFixed(1)} ms`;

export function traceSvg(spans: readonly ZipkinSpan[]): string {
  if (spans.length === 0) throw new Error('a trace without spans cannot be drawn');
  const rows = waterfallRows(spans);
  const start = Math.min(...spans.map((s) => s.timestamp ?? Infinity));
  const end = Math.max(...spans.map((s) => (s.timestamp ?? start) + (s.duration ?? 0)));
  const total = Math.max(1, end - start);
  const x = (us: number) => LABEL_WIDTH + ((us - start) / total) * BAR_WIDTH;
  const width = LABEL_WIDTH + BAR_WIDTH + PAD * 2;
  const height = TOP + rows.length * ROW + PAD;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PAD}" y="18" font-size="14" font-weight="bold">trace ${escapeXml(spans[0]!.traceId)}: ${spans.length} spans, ${ms(total)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const at = LABEL_WIDTH + (BAR_WIDTH * i) / 4;
    out.push(`<line x1="${at}" y1="${TOP - 12}" x2="${at}" y2="${height - PAD}" stroke="#dddddd"/>`);
    out.push(
      `<text x="${at}" y="${TOP - 16}" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}" fill="#555555">${ms((total * i) / 4)}</text>`,
    );
  }
  rows.forEach(({ span, depth }, i) => {
    const y = TOP + i * ROW;
    const service = span.localEndpoint?.serviceName ?? '';
    const processor = span.tags?.['cashflow.processor'];
    // who first: topic names are long and the end of a label may be cut
    const who = processor ?? (depth === 0 ? service : '');
    const label = `${who ? `${who}: ` : ''}${span.name ?? '?'}`;
    const from = x(span.timestamp ?? start);
    const barWidth = Math.max(2, x((span.timestamp ?? start) + (span.duration ?? 0)) - from);
    const colour = kindColour[span.kind ?? ''] ?? '#9d9d9d';
    out.push(
      `<g><title>${escapeXml(
        `${label}\n${ms(span.duration ?? 0)} from ${ms((span.timestamp ?? start) - start)}\n${Object.entries(
          span.tags ?? {},
        )
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}`,
      )}</title>`,
    );
    out.push(
      `<text x="${PAD + depth * 14}" y="${y + 15}">${escapeXml(label.length > 64 - depth * 2 ? `${label.slice(0, 62 - depth * 2)}…` : label)}</text>`,
    );
    out.push(
      `<rect x="${from.toFixed(1)}" y="${y + 4}" width="${barWidth.toFixed(1)}" height="${ROW - 8}" rx="2" fill="${colour}"/>`,
    );
    const text = ms(span.duration ?? 0);
    const inside = barWidth > 60;
    out.push(
      `<text x="${(inside ? from + 4 : Math.min(from + barWidth + 4, LABEL_WIDTH + BAR_WIDTH - 40)).toFixed(1)}" y="${y + 15}" fill="${inside ? '#ffffff' : '#333333'}" font-size="10">${text}</text></g>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
