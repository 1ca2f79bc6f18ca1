// The spans of the pipeline's stages (docs/monitoring.md "Tracing"), named and described as the
// OpenTelemetry semantic conventions for messaging and databases say: `process <topic>` for a
// consumed batch, `send <topic>` for what a batch produces, `<operation> <table>` for the
// sink's transaction. The runner and the sink call these only when activeTracer() is defined.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type HrTime,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { placeBatch } from './batch-context.js';
import * as semconv from './conventions.js';

export interface ConsumedBatch {
  processor: string;
  consumerGroup: string;
  topicName: string;
  partition: number;
  messageCount: number;
  /** When the batch started, as performance.now() gave it. */
  startTime: number;
}

/**
 * The span of one consumed batch: child of one record's context, linked to the others'
 * (tracing/batch-context.ts). Ended by the caller (endSpan).
 */
export function startBatchSpan(
  tracer: Tracer,
  batch: ConsumedBatch,
  contexts: Iterable<SpanContext | undefined>,
): Span {
  const placed = placeBatch(contexts);
  const attributes: Attributes = {
    [semconv.ATTR_MESSAGING_SYSTEM]: semconv.MESSAGING_SYSTEM_KAFKA,
    [semconv.ATTR_MESSAGING_OPERATION_TYPE]: 'process',
    [semconv.ATTR_MESSAGING_OPERATION_NAME]: 'process',
    [semconv.ATTR_MESSAGING_DESTINATION_NAME]: batch.topicName,
    [semconv.ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(batch.partition),
    [semconv.ATTR_MESSAGING_CONSUMER_GROUP_NAME]: batch.consumerGroup,
    [semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: batch.messageCount,
    [semconv.ATTR_CASHFLOW_PROCESSOR]: batch.processor,
  };
  if (placed.droppedLinks > 0) attributes[semconv.ATTR_CASHFLOW_LINKS_DROPPED] = placed.droppedLinks;
  const parent = placed.parent ? trace.setSpanContext(ROOT_CONTEXT, placed.parent) : ROOT_CONTEXT;
  return tracer.startSpan(
    `process ${batch.topicName}`,
    {
      kind: SpanKind.CONSUMER,
      startTime: hrTimeOfPerformance(batch.startTime),
      links: placed.links,
      attributes,
      root: !placed.parent,
    },
    parent,
  );
}

/** A CDC record as the runner decoded it. */
export interface SourceChange {
  topicName: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Debezium's source.ts_ms: when the source transaction committed. */
  committedAtMs: number;
  /** The broker's timestamp of the record (when Debezium's producer sent it). */
  timestampMs: number;
  /** The source table (Debezium's source.table). */
  table: string;
  dbSystem: string;
}

/**
 * The span of one change on its way from the source database to Kafka: the trace's root, from
 * the commit (source.ts_ms) to the record's broker timestamp, made by us on Debezium's behalf
 * since Debezium sends no trace context. Returns its context (the record's parent).
 */
export function sourceChangeContext(tracer: Tracer, change: SourceChange): SpanContext {
  const start = change.committedAtMs > 0 ? change.committedAtMs : change.timestampMs;
  const span = tracer.startSpan(
    `send ${change.topicName}`,
    {
      kind: SpanKind.PRODUCER,
      root: true,
      startTime: start,
      attributes: {
        [semconv.ATTR_MESSAGING_SYSTEM]: semconv.MESSAGING_SYSTEM_KAFKA,
        [semconv.ATTR_MESSAGING_OPERATION_TYPE]: 'send',
        [semconv.ATTR_MESSAGING_OPERATION_NAME]: 'send',
        [semconv.ATTR_MESSAGING_DESTINATION_NAME]: change.topicName,
        [semconv.ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(change.partition),
        [semconv.ATTR_MESSAGING_KAFKA_OFFSET]: Number(change.offset),
        ...(change.key === null
          ? {}
          : { [semconv.ATTR_MESSAGING_KAFKA_MESSAGE_KEY]: sourceKeyOf(change.key) }),
        [semconv.ATTR_DB_SYSTEM_NAME]: change.dbSystem,
        [semconv.ATTR_DB_COLLECTION_NAME]: change.table,
        [semconv.ATTR_CASHFLOW_SOURCE_COMMIT_MS]: change.committedAtMs,
      },
    },
    ROOT_CONTEXT,
  );
  span.end(Math.max(start, change.timestampMs));
  return span.spanContext();
}

/**
 * A performance.now() reading as whole epoch microseconds: Zipkin refuses a fractional
 * timestamp, and the SDK keeps the fraction of a number it is given.
 */
export function hrTimeOfPerformance(t: number): HrTime {
  const us = Math.round((performance.timeOrigin + t) * 1000);
  return [Math.floor(us / 1e6), (us % 1e6) * 1000];
}

/**
 * The row's key in words: Debezium's JSON key with its schema (`{"schema":…,"payload":
 * {"contract_id":"C1"}}`) becomes `C1`, so that `cashflow trace --contract C1` finds the
 * change's trace by this tag. A key of another form is kept as it is.
 */
export function sourceKeyOf(key: string): string {
  try {
    const doc = JSON.parse(key) as unknown;
    const payload =
      doc && typeof doc === 'object' && 'payload' in doc ? (doc as { payload: unknown }).payload : doc;
    if (payload && typeof payload === 'object') return Object.values(payload).map(String).join('|');
    return String(payload);
  } catch {
    return key;
  }
}

/** The span of one send of a batch's outputs, child of the active (batch) span. */
export function startSendSpan(tracer: Tracer, topicNames: readonly string[], messageCount: number): Span {
  const one = topicNames.length === 1 ? topicNames[0] : undefined;
  return tracer.startSpan(one ? `send ${one}` : 'send', {
    kind: SpanKind.PRODUCER,
    attributes: {
      [semconv.ATTR_MESSAGING_SYSTEM]: semconv.MESSAGING_SYSTEM_KAFKA,
      [semconv.ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      [semconv.ATTR_MESSAGING_OPERATION_NAME]: 'send',
      [semconv.ATTR_MESSAGING_DESTINATION_NAME]: one ?? topicNames.join(','),
      [semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: messageCount,
    },
  });
}

export interface DatabaseWrite {
  /** `db.system.name`: postgresql or microsoft.sql_server. */
  system: string;
  namespace: string;
  operation: string;
  collection: string;
  batchSize: number;
}

/**
 * Runs `work` (a transaction) in a client span: child of the first sampled context among
 * `contexts` (the batches whose rows it carries: processors/group-writer.ts), linked to the others.
 */
export async function inDatabaseSpan<T>(
  tracer: Tracer,
  write: DatabaseWrite,
  contexts: Iterable<SpanContext | undefined>,
  work: () => Promise<T>,
): Promise<T> {
  const placed = placeBatch(contexts);
  const span = tracer.startSpan(
    `${write.operation} ${write.collection}`,
    {
      kind: SpanKind.CLIENT,
      links: placed.links,
      root: !placed.parent,
      attributes: {
        [semconv.ATTR_DB_SYSTEM_NAME]: write.system,
        [semconv.ATTR_DB_NAMESPACE]: write.namespace,
        [semconv.ATTR_DB_OPERATION_NAME]: write.operation,
        [semconv.ATTR_DB_COLLECTION_NAME]: write.collection,
        [semconv.ATTR_DB_OPERATION_BATCH_SIZE]: write.batchSize,
      },
    },
    placed.parent ? trace.setSpanContext(ROOT_CONTEXT, placed.parent) : ROOT_CONTEXT,
  );
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (e) {
    failSpan(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** Marks `span` failed with the error's class (`error.type`) and message. */
export function failSpan(span: Span, e: unknown): void {
  const type = e instanceof Error ? e.name || e.constructor.name : typeof e;
  span.setAttribute(semconv.ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
}

/** The span context active here (the batch's, inside the runner), if any. */
export function activeSpanContext(): SpanContext | undefined {
  return trace.getSpanContext(context.active());
}

/** `db.system.name` of our dialects. */
export function dbSystemName(dialect: 'postgres' | 'mssql'): string {
  return dialect === 'postgres' ? 'postgresql' : 'microsoft.sql_server';
}

/** The span of one HTTP request the API serves (kind SERVER), child of a `traceparent` the client sent. */
export function startRequestSpan(
  tracer: Tracer,
  method: string,
  path: string,
  parent: SpanContext | undefined,
): Span {
  return tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      root: !parent,
      attributes: { [semconv.ATTR_HTTP_REQUEST_METHOD]: method, [semconv.ATTR_URL_PATH]: path },
    },
    parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
  );
}

/** Names the request span by its route once known and ends it with the response status. */
export function endRequestSpan(span: Span, method: string, route: string | undefined, status: number): void {
  if (route) {
    span.updateName(`${method} ${route}`);
    span.setAttribute(semconv.ATTR_HTTP_ROUTE, route);
  }
  span.setAttribute(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
