import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { placeBatch } from './batch-context.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const ctx = (trace: number, span: number, sampled = true): SpanContext => ({
  traceId: hex(trace, 32),
  spanId: hex(span, 16),
  traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
});

describe('placeBatch: where a batch span belongs', () => {
  it('a fan-out: 1,000 requests sent by one span make one child of it, no links', () => {
    const tick = ctx(1, 1);
    const placed = placeBatch(Array.from({ length: 1000 }, () => ({ ...tick })));
    expect(placed.parent).toEqual(tick);
    expect(placed.links).toEqual([]);
  });

  it('records of several traces: the first is the parent, each other distinct context one link', () => {
    const [a, b, c] = [ctx(1, 1), ctx(2, 2), ctx(3, 3)];
    const placed = placeBatch([a, b, a, undefined, c, b]);
    expect(placed.parent).toEqual(a);
    expect(placed.links.map((l) => l.context)).toEqual([b, c]);
    expect(placed.droppedLinks).toBe(0);
  });

  it('an unsampled record ahead of a sampled one does not cut the sampled trace; unsampled ones are not linked', () => {
    const unsampled = ctx(9, 9, false);
    const sampled = ctx(1, 1);
    const placed = placeBatch([unsampled, sampled, ctx(8, 8, false)]);
    expect(placed.parent).toEqual(sampled);
    expect(placed.links).toEqual([]);
  });

  it('only unsampled records: the batch follows the first one (parent-based sampling drops it too)', () => {
    const first = ctx(9, 9, false);
    expect(placeBatch([undefined, first, ctx(8, 8, false)])).toEqual({
      parent: first,
      links: [],
      droppedLinks: 0,
    });
  });

  it('no context at all: a new trace', () => {
    expect(placeBatch([undefined, undefined])).toEqual({ parent: undefined, links: [], droppedLinks: 0 });
  });

  it('links are bounded; the rest are counted', () => {
    const placed = placeBatch(
      Array.from({ length: 10 }, (_, i) => ctx(i + 1, i + 1)),
      4,
    );
    expect(placed.links).toHaveLength(4);
    expect(placed.droppedLinks).toBe(5);
  });
});
