// Runs against the machine's PostgreSQL (127.0.0.1:5432, or TEST_POSTGRES_URL); reads only
// generate_series, no table. The bytes must be what pg-copy-streams reads, the connection
// usable after the copy, after an error in the middle of it, and reads at once must not share bytes.
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCopyOut } from './copy-out.js';

const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: url, max: 2 });
});
afterAll(async () => {
  await pool.end();
});

const copyOf = (rows: number, binary: boolean) =>
  `COPY (SELECT g, repeat(md5(g::text), 1 + g % 7), g * 0.5::float8 FROM generate_series(1, ${rows}) g) TO STDOUT${binary ? ' (FORMAT binary)' : ''}`;

async function viaCopyStreams(client: pg.PoolClient, statement: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(statement)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('readCopyOut', () => {
  it('reads the bytes pg-copy-streams reads, over many socket chunks, and leaves the connection usable', async () => {
    const client = await pool.connect();
    try {
      for (const binary of [true, false]) {
        const expected = await viaCopyStreams(client, copyOf(40_000, binary));
        expect(expected.length).toBeGreaterThan(2_000_000);
        const copied = await readCopyOut(client, copyOf(40_000, binary), (b) => Buffer.from(b));
        expect(copied.equals(expected)).toBe(true);
        expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      }
      // an empty text copy: no CopyData at all
      const empty = await readCopyOut(client, 'COPY (SELECT 1 WHERE false) TO STDOUT', (b) => b.length);
      expect(empty).toBe(0);
    } finally {
      client.release();
    }
  });

  it('rejects with the server error raised in the middle of the copy, and the connection answers after it', async () => {
    const client = await pool.connect();
    try {
      await expect(readCopyOut(client, 'COPY (SELECT 1 / (g - 30000) FROM generate_series(1, 50000) g) TO STDOUT', (b) => b.length)).rejects.toBeInstanceOf(
        pg.DatabaseError,
      );
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });

  it('gives reads at once their own bytes (the kept buffer serves one read at a time)', async () => {
    const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
    try {
      const [x, y] = await Promise.all([
        readCopyOut(a, copyOf(20_000, true), (bytes) => Buffer.from(bytes)),
        readCopyOut(b, copyOf(30_000, true), (bytes) => Buffer.from(bytes)),
      ]);
      expect(x.equals(await viaCopyStreams(a, copyOf(20_000, true)))).toBe(true);
      expect(y.equals(await viaCopyStreams(b, copyOf(30_000, true)))).toBe(true);
    } finally {
      a.release();
      b.release();
    }
  });
});
