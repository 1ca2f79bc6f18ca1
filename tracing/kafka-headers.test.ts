import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  injectSpanContext,
  spanContextOfHeaders,
  spanContextsOfHeaders,
  TRACE_HEADERS,
} from './kafka-headers.js';

const sampled: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

describe('W3C trace context in Kafka headers', () => {
  it('writes traceparent as the W3C form and keeps the other headers', () => {
    const headers = injectSpanContext({ 'original.topic': 'x' }, sampled);
    expect(headers).toEqual({
      'original.topic': 'x',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(TRACE_HEADERS).toContain('traceparent');
  });

  it('reads back what it wrote, from a Buffer as the consumer hands it over, as a remote context', () => {
    const written = injectSpanContext({}, { ...sampled, traceFlags: TraceFlags.NONE });
    const read = spanContextOfHeaders({ traceparent: Buffer.from(written.traceparent as string) });
    expect(read).toEqual({
      traceId: sampled.traceId,
      spanId: sampled.spanId,
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
  });

  it('a record without trace headers, or with a malformed traceparent, has no context', () => {
    expect(spanContextOfHeaders(undefined)).toBeUndefined();
    expect(spanContextOfHeaders({})).toBeUndefined();
    expect(spanContextOfHeaders({ traceparent: 'garbage' })).toBeUndefined();
    // an all-zero trace id is invalid by the W3C specification
    expect(
      spanContextOfHeaders({ traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }),
    ).toBeUndefined();
  });

  it('takes the first value of a repeated header', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(spanContextOfHeaders({ traceparent: [Buffer.from(tp), 'other'] })?.spanId).toBe(
      'b7ad6b7169203331',
    );
  });
});

describe('the contexts of a batch', () => {
  it('equal to reading each record alone, a run of one traceparent parsed once', () => {
    const a = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const b = '00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-00';
    const batch = [
      { traceparent: Buffer.from(a) },
      { traceparent: Buffer.from(a) },
      undefined,
      {},
      { traceparent: b },
      { traceparent: Buffer.from(a) },
      { traceparent: 'bad' },
    ];
    expect(spanContextsOfHeaders(batch)).toEqual(batch.map((h) => spanContextOfHeaders(h)));
  });
});
