// Just enough of the Kafka wire protocol to ask a broker for its metadata (Metadata v4: the
// oldest version Kafka 4 still serves, KIP-896), without loading a client library.

export interface BrokerMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number }[];
}

const METADATA = 3;
const METADATA_VERSION = 4;

/** A size-prefixed Metadata v4 request for no topics (brokers and cluster id only). */
export function encodeMetadataRequest(correlationId: number, clientId = 'cashflow-stack'): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length + 4 + 1);
  let o = 0;
  o = body.writeInt16BE(METADATA, o);
  o = body.writeInt16BE(METADATA_VERSION, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(client.length, o);
  o += client.copy(body, o);
  o = body.writeInt32BE(0, o); // topics: empty array
  body.writeInt8(0, o); // allow_auto_topic_creation: false
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Whether `buf` holds a whole size-prefixed response. */
export function isCompleteResponse(buf: Buffer): boolean {
  return buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0);
}

export class ProtocolError extends Error {}

/** Decodes the brokers, cluster id and controller of a Metadata v4 response. */
export function decodeMetadataResponse(buf: Buffer, correlationId: number): BrokerMetadata {
  let o = 4;
  const need = (n: number) => {
    if (o + n > buf.length) throw new ProtocolError('truncated metadata response');
  };
  const int16 = () => (need(2), (o += 2), buf.readInt16BE(o - 2));
  const int32 = () => (need(4), (o += 4), buf.readInt32BE(o - 4));
  const str = (): string | null => {
    const len = int16();
    if (len < 0) return null;
    need(len);
    o += len;
    return buf.toString('utf8', o - len, o);
  };
  if (int32() !== correlationId) throw new ProtocolError('response to another request');
  int32(); // throttle_time_ms
  const count = int32();
  if (count < 0 || count > 10_000) throw new ProtocolError('not a metadata response');
  const brokers: BrokerMetadata['brokers'] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = int32();
    const host = str() ?? '';
    const port = int32();
    str(); // rack
    brokers.push({ nodeId, host, port });
  }
  const clusterId = str();
  const controllerId = int32();
  return { clusterId, controllerId, brokers };
}
