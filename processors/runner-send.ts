// The runner's one send per batch: outputs and dead letters together, through the idempotent
// producer (acks=all), awaited (docs/architecture.md, invariant 3), each message carrying the
// send's trace context when the process traces (docs/runner.md "Traces").
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { errorMessage, MessageTooLargeError } from '../clients/errors.js';
import type { Producer } from '../clients/kafka.js';
import type { Log } from '../clients/log.js';
import type { AvroCodec, AvroTopicId, TopicValues } from '../clients/schema-registry.js';
import type { Config } from '../config/config.js';
import type { ProcessorName, Topology } from '../topology/topology.js';
import { activeTracer } from '../tracing/tracer.js';
import { injectSpanContext } from '../tracing/kafka-headers.js';
import { failSpan, startSendSpan } from '../tracing/pipeline-spans.js';
import { deadLetterMessage } from './dead-letter.js';
import type { OutputRecord, Rejection } from './processor.js';

export interface SendServices {
  config: Config;
  topology: Topology;
  producer: Producer;
  codec: AvroCodec;
  log: Log;
  now(): number;
}

export class BatchSender {
  constructor(
    private readonly processor: ProcessorName,
    private readonly services: SendServices,
  ) {}

  /**
   * Outputs and dead letters in one send. Dead letters are bounded (processors/dead-letter.ts);
   * when the broker still refuses the send as too large (MessageTooLargeError) and dead letters
   * are in it, it is made once more with them in their minimal form (no original value), so
   * that a dead letter never blocks its partition; if that is refused too, the outputs are too
   * large (poison, thrown).
   */
  async produce(outputs: OutputRecord[], deadLetters: Rejection[]): Promise<void> {
    if (outputs.length === 0 && deadLetters.length === 0) return;
    try {
      await this.send(outputs, deadLetters, false);
    } catch (e) {
      if (deadLetters.length === 0 || !(e instanceof MessageTooLargeError)) throw e;
      this.services.log('warn', 'dead letters refused as too large: sent without their original values', {
        processor: this.processor,
        deadLetters: deadLetters.length,
        error: errorMessage(e),
      });
      await this.send(outputs, deadLetters, true);
    }
  }

  private async send(outputs: OutputRecord[], deadLetters: Rejection[], minimal: boolean): Promise<void> {
    const { codec, topology } = this.services;
    const byTopic = new Map<AvroTopicId, KafkaJS.Message[]>();
    const push = (topic: AvroTopicId, m: KafkaJS.Message) => {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(m);
    };
    const encoders = new Map<AvroTopicId, (v: never) => Buffer>();
    const encoderOf = async <T extends AvroTopicId>(topic: T): Promise<(v: TopicValues[T]) => Buffer> => {
      let enc = encoders.get(topic);
      if (!enc) encoders.set(topic, (enc = (await codec.encoder(topic)) as (v: never) => Buffer));
      return enc as unknown as (v: TopicValues[T]) => Buffer;
    };
    for (const o of outputs) {
      const enc = await encoderOf(o.topic);
      push(o.topic, { key: o.key, value: (enc as (v: unknown) => Buffer)(o.value) });
    }
    if (deadLetters.length) {
      const enc = await encoderOf('deadLetter');
      const limits = { maxValueBytes: this.services.config.pipeline.deadLetterMaxValueBytes, minimal };
      for (const d of deadLetters) {
        const m = deadLetterMessage(this.processor, d, this.services.now(), limits);
        push('deadLetter', { key: m.key, value: enc(m.value), headers: m.headers });
      }
    }
    const topicMessages = [...byTopic.entries()].map(([topic, messages]) => ({ topic: topology.topic(topic).name, messages }));
    const tracer = activeTracer();
    if (!tracer) {
      await this.services.producer.sendBatch({ topicMessages });
      return;
    }
    // every message carries the send's context: the next stage's batch is its child or links to it
    const span = startSendSpan(tracer, topicMessages.map((t) => t.topic), outputs.length + deadLetters.length);
    const traceHeaders = injectSpanContext({}, span.spanContext());
    for (const t of topicMessages) for (const m of t.messages) m.headers = m.headers ? { ...m.headers, ...traceHeaders } : traceHeaders;
    try {
      await this.services.producer.sendBatch({ topicMessages });
    } catch (e) {
      failSpan(span, e);
      throw e;
    } finally {
      span.end();
    }
  }
}
