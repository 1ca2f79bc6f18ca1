// The runner's tracing work per batch, in process: what a processor pays for tracing on top of
// its own work, for a batch of 1,000 records whose headers carry one upstream context (a
// fan-out as impact sends it), through the same functions the runner calls: the context read
// from every record's headers, the batch span placed, the batch's work run in its context, the
// send span and its traceparent put on 1,000 output messages. The SDK as a process starts it
// (holdTracing), exporting to a real Zipkin (OTEL_EXPORTER_ZIPKIN_ENDPOINT, default the
// stack's). No Kafka.
//   node dist/bench/tracing.js [batches=2000]
// Prints the CPU µs per batch for each sampler: unsampled upstream at the default ratio
// (parentbased_traceidratio 0.1, what nine batches in ten cost), sampled upstream (the tenth),
// and off (no tracer: the runner's one check).
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { TraceFlags, context, trace, type SpanContext } from '@opentelemetry/api';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { loadConfig } from '../config/config.js';
import { activeTracer, holdTracing } from '../tracing/tracer.js';
import { injectSpanContext, spanContextsOfHeaders } from '../tracing/kafka-headers.js';
import { startBatchSpan, startSendSpan } from '../tracing/pipeline-spans.js';

const RECORDS = 1000;

function headersOf(sampled: boolean): KafkaJS.IHeaders[] {
  const upstream: SpanContext = {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  };
  const tp = Buffer.from(injectSpanContext({}, upstream).traceparent as string);
  return Array.from({ length: RECORDS }, () => ({ traceparent: tp }));
}

/** The runner's tracing work for one batch (processors/runner.ts onBatch and send). */
async function tracedBatch(headers: KafkaJS.IHeaders[], outputs: KafkaJS.Message[]): Promise<void> {
  const tracer = activeTracer();
  if (!tracer) return;
  const contexts = spanContextsOfHeaders(headers);
  const span = startBatchSpan(
    tracer,
    {
      processor: 'calculator',
      consumerGroup: 'g',
      topicName: 'cashflow.recalc-requests',
      partition: 0,
      messageCount: RECORDS,
      startTime: performance.now(),
    },
    contexts,
  );
  await context.with(trace.setSpan(context.active(), span), async () => {
    const send = startSendSpan(tracer, ['cashflow.contract-cashflows'], outputs.length);
    const traceHeaders = injectSpanContext({}, send.spanContext());
    for (const m of outputs) m.headers = traceHeaders;
    send.end();
  });
  span.end();
}

async function cpuMicrosPerBatch(batches: number, sampled: boolean): Promise<number> {
  const headers = headersOf(sampled);
  const outputs: KafkaJS.Message[] = Array.from({ length: RECORDS }, () => ({
    key: 'k',
    value: Buffer.alloc(0),
  }));
  for (let i = 0; i < 100; i++) await tracedBatch(headers, outputs); // warm-up
  const t0 = process.cpuUsage();
  for (let i = 0; i < batches; i++) await tracedBatch(headers, outputs);
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / batches;
}

export async function runTracingBench(batches: number): Promise<Record<string, number>> {
  const off = await cpuMicrosPerBatch(batches, true);
  const config = loadConfig(
    { ...process.env, OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'zipkin' },
    ['tracing'],
  );
  const release = await holdTracing(config.tracing, 'cashflow-bench-tracing');
  try {
    const unsampled = await cpuMicrosPerBatch(batches, false);
    const sampled = await cpuMicrosPerBatch(batches, true);
    return { off: Math.round(off), unsampled: Math.round(unsampled), sampled: Math.round(sampled) };
  } finally {
    await release();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const batches = Number(process.argv[2] ?? 2000);
  const r = await runTracingBench(batches);
  process.stdout.write(
    `tracing per batch of ${RECORDS} records, CPU µs: off ${r.off}, upstream unsampled ${r.unsampled}, upstream sampled ${r.sampled} (${batches} batches each)\n${JSON.stringify(r)}\n`,
  );
}
