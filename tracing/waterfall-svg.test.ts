import { describe, expect, it } from 'vitest';
import { traceSvg, waterfallRows } from './waterfall-svg.js';
import type { ZipkinSpan } from './zipkin-api.js';

const span = (
  id: string,
  parentId: string | undefined,
  timestamp: number,
  duration: number,
  name = id,
): ZipkinSpan => ({
  traceId: 'abc',
  id,
  parentId,
  name,
  timestamp,
  duration,
  kind: 'CONSUMER',
});

describe('the trace waterfall', () => {
  it('rows: depth first from the root, children by start; a span whose parent is missing is a root', () => {
    const spans = [
      span('c2', 'r', 30, 5),
      span('r', undefined, 0, 100),
      span('c1', 'r', 10, 5),
      span('g', 'c1', 12, 1),
      span('o', 'gone', 50, 1),
    ];
    expect(waterfallRows(spans).map((r) => `${r.depth}:${r.span.id}`)).toEqual([
      '0:r',
      '1:c1',
      '2:g',
      '1:c2',
      '0:o',
    ]);
  });

  it('draws one bar per span on one time axis, names escaped', () => {
    const svg = traceSvg([
      span('r', undefined, 1_000_000, 40_000, 'send <a&b>'),
      span('c', 'r', 1_020_000, 20_000),
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('send &lt;a&amp;b&gt;');
    expect(svg).toContain('2 spans, 40 ms');
    const bars = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(bars).toEqual([
      [470, 560],
      [750, 280],
    ]);
  });
});
