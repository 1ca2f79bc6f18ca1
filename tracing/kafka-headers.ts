// W3C trace context in Kafka record headers (W3C Trace Context; the OpenTelemetry messaging
// conventions: the context of the span that sent a message travels with it). Pure: the same
// propagator the SDK registers, over the record's header map.
import {
  ROOT_CONTEXT,
  context,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { KafkaJS } from '@confluentinc/kafka-javascript';

const propagator = new W3CTraceContextPropagator();

/** The header names the propagator writes (`traceparent`, `tracestate`). */
export const TRACE_HEADERS = propagator.fields();

const headerGetter: TextMapGetter<KafkaJS.IHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const v = headers[key];
    const first = Array.isArray(v) ? v[0] : v;
    return first === undefined ? undefined : typeof first === 'string' ? first : first.toString('latin1');
  },
};

const headerSetter: TextMapSetter<KafkaJS.IHeaders> = {
  set: (headers, key, value) => {
    headers[key] = value;
  },
};

/** The span context a record's headers carry (undefined: none, or not a valid traceparent). */
export function spanContextOfHeaders(headers: KafkaJS.IHeaders | undefined): SpanContext | undefined {
  if (!headers || headers.traceparent === undefined) return undefined;
  return trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, headerGetter));
}

/**
 * The span contexts of a batch's records: a run of records with the same traceparent (the
 * requests of one fan-out, sent by one span) is parsed once.
 */
export function spanContextsOfHeaders(
  batch: readonly (KafkaJS.IHeaders | undefined)[],
): (SpanContext | undefined)[] {
  let lastRaw: unknown;
  let last: SpanContext | undefined;
  return batch.map((headers) => {
    const raw = headers?.traceparent;
    if (raw === undefined) return undefined;
    if (raw !== lastRaw && !(Buffer.isBuffer(raw) && Buffer.isBuffer(lastRaw) && raw.equals(lastRaw))) {
      lastRaw = raw;
      last = spanContextOfHeaders(headers);
    }
    return last;
  });
}

/** Writes `spanContext` into `headers` (kept: every other header). Returns `headers`. */
export function injectSpanContext(headers: KafkaJS.IHeaders, spanContext: SpanContext): KafkaJS.IHeaders {
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), headers, headerSetter);
  return headers;
}

/** The context to run under for a span context received from elsewhere. */
export function remoteContext(spanContext: SpanContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/**
 * The trace headers of the context active here, for a record produced outside the runner (the
 * API's job chunks); undefined when there is none, so that nothing is added.
 */
export function activeTraceHeaders(): KafkaJS.IHeaders | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext ? injectSpanContext({}, spanContext) : undefined;
}
