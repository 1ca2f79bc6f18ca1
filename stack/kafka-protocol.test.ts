import { describe, expect, it } from 'vitest';
import {
  decodeMetadataResponse,
  encodeMetadataRequest,
  isCompleteResponse,
  ProtocolError,
} from './kafka-protocol.js';

function metadataResponse(correlationId: number): Buffer {
  const parts: Buffer[] = [];
  const i32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    parts.push(b);
  };
  const i16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    parts.push(b);
  };
  const str = (s: string | null) => {
    if (s === null) return i16(-1);
    i16(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  i32(correlationId);
  i32(0);
  i32(1);
  i32(1);
  str('127.0.0.1');
  i32(9092);
  str(null);
  str('abc');
  i32(1);
  i32(0);
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('kafka metadata probe', () => {
  it('asks Metadata v4 for no topics', () => {
    const req = encodeMetadataRequest(7, 'x');
    expect(req.readInt32BE(0)).toBe(req.length - 4);
    expect(req.readInt16BE(4)).toBe(3);
    expect(req.readInt16BE(6)).toBe(4);
    expect(req.readInt32BE(8)).toBe(7);
    expect(req.readInt32BE(req.length - 5)).toBe(0);
  });
  it('reads brokers, cluster id and controller', () => {
    const res = metadataResponse(7);
    expect(isCompleteResponse(res)).toBe(true);
    expect(isCompleteResponse(res.subarray(0, 10))).toBe(false);
    expect(decodeMetadataResponse(res, 7)).toEqual({
      clusterId: 'abc',
      controllerId: 1,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }],
    });
  });
  it('rejects an answer to another request or something that is not Kafka', () => {
    expect(() => decodeMetadataResponse(metadataResponse(7), 8)).toThrow(ProtocolError);
    expect(() => decodeMetadataResponse(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), 7)).toThrow(
      ProtocolError,
    );
  });
});
