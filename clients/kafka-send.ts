// A producer's failed sends, classified once where the client tells what they are
// (clients/errors.ts): a message too large by librdkafka's code, a fault the client itself
// marks retriable by its KafkaJSError's flag. The runner then needs only the classes.
import kafkaJavascript from '@confluentinc/kafka-javascript';
import type { KafkaJS as KafkaJSTypes } from '@confluentinc/kafka-javascript';
import { MessageTooLargeError, RetriableError } from './errors.js';

const { KafkaJS } = kafkaJavascript;

type Producer = KafkaJSTypes.Producer;

/** librdkafka's codes for a message the broker or the client's message.max.bytes refuses as too large. */
const TOO_LARGE_CODES: ReadonlySet<unknown> = new Set([
  kafkaJavascript.CODES.ERRORS.ERR_MSG_SIZE_TOO_LARGE,
  kafkaJavascript.CODES.ERRORS.ERR_RECORD_LIST_TOO_LARGE,
]);

/**
 * A failed send as the typed error where the client says what it is: too large (by its code) is
 * MessageTooLargeError, poison: no retry makes it fit; one the client marks retriable (a
 * KafkaJSError's own flag: a timeout, a broker away) is a RetriableError of kafka; others pass
 * unchanged.
 */
export function kafkaSendError(e: unknown): unknown {
  if (TOO_LARGE_CODES.has((e as { code?: unknown } | null)?.code)) return new MessageTooLargeError(e);
  if (e instanceof KafkaJS.KafkaJSError && e.retriable) return new RetriableError('kafka', e);
  return e;
}

/**
 * The producer with its sends' failures classified (kafkaSendError). Every method runs on the
 * producer itself: its class keeps its state in private fields, which a proxy cannot reach.
 */
export function withSendErrors(producer: Producer): Producer {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(producer, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let f = bound.get(property);
      if (!f) {
        const method = value as (...args: unknown[]) => unknown;
        f =
          property === 'send' || property === 'sendBatch'
            ? (...args: unknown[]) =>
                (method.apply(target, args) as Promise<unknown>).catch((e: unknown) => {
                  throw kafkaSendError(e);
                })
            : method.bind(target);
        bound.set(property, f);
      }
      return f;
    },
  });
}
