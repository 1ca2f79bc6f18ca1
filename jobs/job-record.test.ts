// What a stored chunk is read as (the Redis side of the job store runs in test/api.test.ts).
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readChunk } from './job-record.js';
import { deflatePacked, packResults } from '../wire/packed-results.js';

describe('job store chunks', () => {
  it('reads packed columns, and the JSON text an earlier version stored', () => {
    const packed = readChunk(Buffer.from(packResults(['a'], [{ error: 'bad' }])));
    expect('packed' in packed && packed.packed.ids).toEqual(['a']);
    expect(readChunk(Buffer.from('"a":{"error":"bad"}'))).toEqual({ text: '"a":{"error":"bad"}' });
    expect(readChunk(Buffer.alloc(0))).toEqual({ text: '' });
  });

  it('reads a chunk inflated as completeChunk stores it (deflatePacked: one raw deflate stream)', () => {
    const stored = deflatePacked(packResults(['a', 'b'], [{ error: 'bad' }, { events: [], reported: [] }]));
    const read = readChunk(inflateRawSync(stored));
    expect('packed' in read && [read.packed.ids, read.packed.errors]).toEqual([['a', 'b'], ['bad']]);
  });
});
