// The span names and attributes we use, from the OpenTelemetry semantic conventions for
// messaging (Kafka), databases and HTTP. The stable names come from the package; the messaging
// ones are still "development" there, so they are spelled here as the conventions advise
// (their incubating entry point may change between minor versions).
export {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const ATTR_MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset';
export const ATTR_MESSAGING_KAFKA_MESSAGE_KEY = 'messaging.kafka.message.key';

/** Our own attributes, under the project's namespace. */
export const ATTR_CASHFLOW_PROCESSOR = 'cashflow.processor';
export const ATTR_CASHFLOW_LINKS_DROPPED = 'cashflow.links.dropped';
export const ATTR_CASHFLOW_SOURCE_COMMIT_MS = 'cashflow.source.commit_ts_ms';
export const ATTR_CASHFLOW_JOB_ID = 'cashflow.job.id';

/** `messaging.system` for Kafka. */
export const MESSAGING_SYSTEM_KAFKA = 'kafka';
