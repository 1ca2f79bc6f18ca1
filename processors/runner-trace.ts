// A batch's span (tracing/pipeline-spans.ts; docs/runner.md "Traces"): its records' contexts
// are those their headers carry; a CDC record carries none (Debezium sends none), so its own
// source span is made first, from Debezium's commit time.
import type { Span, SpanContext, Tracer } from '@opentelemetry/api';
import type { DatabaseDialect } from '../config/config.js';
import type { ProcessorName, Topology } from '../topology/topology.js';
import { spanContextsOfHeaders } from '../tracing/kafka-headers.js';
import { dbSystemName, sourceChangeContext, startBatchSpan } from '../tracing/pipeline-spans.js';
import type { InputRecord } from './processor.js';
import type { KafkaMessage } from './runner-records.js';

export function batchSpan(
  tracer: Tracer,
  batch: { processor: ProcessorName; topology: Topology; dialect: DatabaseDialect; topicName: string; partition: number; started: number },
  messages: KafkaMessage[],
  records: InputRecord[],
): Span {
  const { topology, topicName, partition } = batch;
  const contexts: (SpanContext | undefined)[] = [];
  const cdc = topology.topicNamed(topicName)?.value.format === 'debezium-json';
  if (cdc) {
    const dbSystem = dbSystemName(batch.dialect);
    for (const r of records)
      if (r.change)
        contexts.push(
          sourceChangeContext(tracer, {
            topicName,
            partition,
            offset: r.offset,
            key: r.key,
            committedAtMs: r.change.committedAtMs,
            timestampMs: r.timestampMs,
            table: r.change.table,
            dbSystem,
          }),
        );
  } else contexts.push(...spanContextsOfHeaders(messages.map((m) => m.headers)));
  return startBatchSpan(
    tracer,
    {
      processor: batch.processor,
      consumerGroup: topology.processor(batch.processor).consumerGroup,
      topicName,
      partition,
      messageCount: messages.length,
      startTime: batch.started,
    },
    contexts,
  );
}
