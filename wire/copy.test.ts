import { describe, expect, it } from 'vitest';
import type { ContractResult } from '../db/database.js';
import { stagedRows } from './mssql-rows.js';
import { cashflowCopyChunks, copyLines } from './copy-text.js';
import { decodedEvents } from './schedule.js';

const text = (chunks: Iterable<Buffer | string>) => [...chunks].map((c) => c.toString()).join('');

describe('COPY text of contract_cashflows', () => {
  it('equals the generic row formatting, escapes included, for computed results only', () => {
    const results: ContractResult[] = [];
    for (let k = 0; k < 300; k++) {
      results.push({
        contractId: k % 7 === 0 ? `odd\tid\\${k}\n` : `c-${k}`,
        version: 1_000_000_000_000 + k,
        fingerprint: 'f',
        status: k % 11 === 0 ? 'waiting' : k % 13 === 0 ? 'deleted' : 'computed',
        reason: null,
        computedAt: '2026-01-01T00:00:00',
        events: Array.from({ length: (k % 5) * 400 }, (_, i) => ({
          eventDate: `2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00`,
          eventType: i % 9 === 0 ? 'I\rP' : 'IP',
          currency: i % 4 === 0 ? null : 'USD',
          payoff: i % 17 === 0 ? NaN : i % 19 === 0 ? -Infinity : i * 1.1,
          notionalPrincipal: i % 3 === 0 ? null : 1e5,
          nominalInterestRate: i % 23 === 0 ? Infinity : 0.05,
          accruedInterest: i % 2 ? null : -0.5 * i,
          exerciseDate: null,
          exerciseAmount: null,
        })),
      });
    }
    const chunks = [...cashflowCopyChunks(results)];
    expect(chunks.length).toBeGreaterThan(1); // ~1 MB chunks
    const expected = text(
      copyLines(results.flatMap(stagedRows), (r) => [r.contractId, r.seq, r.eventDate, r.eventType, r.currency, r.payoff, r.notionalPrincipal, r.nominalInterestRate, r.accruedInterest, r.version]),
    );
    expect(text(chunks)).toBe(expected);
    expect(expected).toContain('odd\\tid\\\\7\\n\t');
    expect(expected).toContain('\tI\\rP\t');
  });
});

describe('COPY binary of contract_cashflows (machine PostgreSQL, temp tables only)', () => {
  it('stores exactly what the text format stores', async () => {
    const pg = (await import('pg')).default;
    const { from: copyFrom } = await import('pg-copy-streams');
    const { pipeline } = await import('node:stream/promises');
    const { Readable } = await import('node:stream');
    const { cashflowCopyBinary } = await import('./copy-binary.js');
    const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
    try {
      const columns = 'contract_id, seq, event_date, event_type, currency, payoff, notional_principal, nominal_interest_rate, accrued_interest, version';
      const ddl = `(contract_id text NOT NULL, seq integer NOT NULL, event_date timestamp NOT NULL, event_type text NOT NULL, currency text,
        payoff double precision NOT NULL, notional_principal double precision, nominal_interest_rate double precision, accrued_interest double precision, version bigint NOT NULL)`;
      await client.query(`CREATE TEMP TABLE cf_text ${ddl}`);
      await client.query(`CREATE TEMP TABLE cf_binary ${ddl}`);
      const results: ContractResult[] = Array.from({ length: 40 }, (_, k) => ({
        contractId: k === 3 ? 'ünïcode-€-𝄞\ttab' : `c-${k}`,
        version: k === 5 ? 2 ** 52 + 7 : 1_000_000 + k,
        fingerprint: null,
        status: k % 9 === 0 ? 'waiting' : 'computed',
        reason: null,
        computedAt: '2026-01-01T00:00:00',
        events: Array.from({ length: 30 }, (_, i) => ({
          eventDate: i === 0 ? '1999-12-31T23:59:59' : `20${String(10 + (i % 50)).padStart(2, '0')}-${String((i % 12) + 1).padStart(2, '0')}-28T${String(i % 24).padStart(2, '0')}:30:00`,
          eventType: i % 2 ? 'IP' : 'RR',
          currency: i % 5 === 0 ? null : 'USD',
          payoff: i === 7 ? NaN : i === 8 ? -Infinity : i * 1234.56789 - 0.1,
          notionalPrincipal: i % 3 === 0 ? null : 1e5 / 3,
          nominalInterestRate: i === 9 ? Infinity : 0.05,
          accruedInterest: i % 2 ? null : -5e-324,
          exerciseDate: null,
          exerciseAmount: null,
        })),
      }));
      const binary = cashflowCopyBinary(results);
      expect(binary).toBeDefined();
      await pipeline(Readable.from([binary!]), client.query(copyFrom(`COPY cf_binary (${columns}) FROM STDIN (FORMAT binary)`)));
      await pipeline(Readable.from(cashflowCopyChunks(results)), client.query(copyFrom(`COPY cf_text (${columns}) FROM STDIN`)));
      const count = await client.query('SELECT (SELECT count(*) FROM cf_binary)::int AS b, (SELECT count(*) FROM cf_text)::int AS t');
      expect(count.rows[0]).toEqual({ b: 35 * 30, t: 35 * 30 });
      const diff = await client.query(
        '(SELECT * FROM cf_binary EXCEPT ALL SELECT * FROM cf_text) UNION ALL (SELECT * FROM cf_text EXCEPT ALL SELECT * FROM cf_binary)',
      );
      expect(diff.rows).toEqual([]);
      // a date the binary path does not parse itself leaves the batch to the text format
      expect(cashflowCopyBinary([{ ...results[1], events: [{ ...decodedEvents(results[1])[1], eventDate: '2026-02-30T00:00:00' }] }])).toBeUndefined();
      expect(cashflowCopyBinary([{ ...results[1], events: [{ ...decodedEvents(results[1])[1], eventDate: '2026-01-01 00:00:00' }] }])).toBeUndefined();
    } finally {
      await client.end();
    }
  });
});

describe('COPY binary of events still in Avro (the sink reads them so)', () => {
  it('writes the bytes the decoded events give, byte for byte', async () => {
    const { cashflowCopyBinary } = await import('./copy-binary.js');
    const { encodeContractCashflows, scanContractCashflows } = await import('./avro-cashflows.js');
    const { decodedSchedule, isEncoded } = await import('./schedule.js');
    const { cashflowsValue, rng } = await import('../test/support/cashflows-values.js');
    const r = rng(21);
    const dates = ['1999-12-31T23:59:59', '2000-01-01T00:00:00', '2026-02-28T12:30:45', '9999-12-31T23:59:59', '1970-01-01T00:00:00'];
    const values = Array.from({ length: 200 }, () => cashflowsValue(r, dates));
    const scanned = values.map((v) => scanContractCashflows(encodeContractCashflows(3, v)!));
    const stillEncoded = scanned.filter((v) => isEncoded(v.events) && v.status === 'computed').length;
    expect(stillEncoded).toBeGreaterThan(30);
    const fromBytes = cashflowCopyBinary(scanned);
    expect(scanned.filter((v) => isEncoded(v.events) && v.status === 'computed').length).toBe(stillEncoded); // not decoded on the way
    const decoded = values.map((v) => decodedSchedule(scanContractCashflows(encodeContractCashflows(3, v)!)));
    const fromObjects = cashflowCopyBinary(decoded);
    expect(fromBytes).toBeDefined();
    expect(fromBytes!.equals(fromObjects!)).toBe(true);
    // an array in two blocks (as Java writers may write it) gives the same rows
    const { inTwoBlocks } = await import('../test/support/cashflows-values.js');
    const many = values.filter((v) => v.status === 'computed' && v.events.length >= 2).slice(0, 20);
    expect(many.length).toBeGreaterThan(5);
    const blocks = many.map((v) => scanContractCashflows(inTwoBlocks(v)));
    expect(blocks.every((v) => isEncoded(v.events))).toBe(true);
    expect(cashflowCopyBinary(blocks)!.equals(cashflowCopyBinary(blocks.map(decodedSchedule))!)).toBe(true);
    // a date the binary path does not parse itself leaves the batch to the text format, as for objects
    for (const eventDate of ['2026-02-30T00:00:00', '2026-01-01 00:00:00', '2026-01-01T00:00:0x', '0099-01-01T00:00:00']) {
      const v = { ...values.find((x) => x.status === 'computed' && x.events.length > 0)! };
      v.events = v.events.map((e, i) => (i === v.events.length - 1 ? { ...e, eventDate } : e));
      const s = scanContractCashflows(encodeContractCashflows(3, v)!);
      expect(isEncoded(s.events)).toBe(true);
      expect(cashflowCopyBinary([s]), eventDate).toBeUndefined();
    }
  });
});
