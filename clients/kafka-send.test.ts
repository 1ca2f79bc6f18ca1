// A producer's failed sends as the typed errors, by what the client tells (clients/kafka-send.ts).
import kafkaJavascript from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { MessageTooLargeError, PoisonRecordError, RetriableError } from './errors.js';
import { kafkaSendError } from './kafka-send.js';

describe('a failed send, by its librdkafka code', () => {
  it('too large (MSG_SIZE_TOO_LARGE 10, RECORD_LIST_TOO_LARGE 18) is poison keeping the message and the client error\'s type; others pass unchanged', async () => {
    // as the producer rejects a message over message.max.bytes: a LibrdKafkaError named Error
    for (const code of [10, 18]) {
      const e = kafkaSendError(Object.assign(new Error('Broker: Message size too large'), { code }));
      expect(e).toBeInstanceOf(MessageTooLargeError);
      expect(e).toBeInstanceOf(PoisonRecordError);
      expect(e).toMatchObject({ message: 'Broker: Message size too large', errorType: 'Error' });
    }
    const down = Object.assign(new Error('Local: All broker connections are down'), { code: -187 });
    expect(kafkaSendError(down)).toBe(down);
    expect(kafkaSendError('x')).toBe('x');
    // the client's own retriable flag, read once here
    const timedOut = new kafkaJavascript.KafkaJS.KafkaJSError('Local: Message timed out', { retriable: true, code: -192 });
    const e = kafkaSendError(timedOut);
    expect(e).toBeInstanceOf(RetriableError);
    expect(e).toMatchObject({ component: 'kafka', cause: timedOut, message: 'Local: Message timed out' });
    const fatal = new kafkaJavascript.KafkaJS.KafkaJSError('Broker: Topic authorization failed', { code: 29 });
    expect(kafkaSendError(fatal)).toBe(fatal);
  });
});
