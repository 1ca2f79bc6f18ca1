// The pipeline end to end on the real local stack (docs/architecture.md): rows
// committed to the source tables flow through Debezium, the five processors and Redis into
// the result tables with nothing else done. Results are compared with a direct engine
// computation of the same terms and market data. Everything created is removed at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from '../clients/kafka.js';
import type { CashflowRow } from '../db/database.js';
import { eventsToJson, evaluate, prepareContract, TimeSeriesObserver, parseDateTime, type TimeSeriesPoint } from '../engine/index.js';
import { rebuildState } from '../state/rebuild.js';
import { clearState } from '../state/redis-store.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';
import { pam2013 } from './support/pam-terms.js';

const env = new PipelineEnv('pl');

const base = {
  ...pam2013,
  contractDealDate: '2012-12-28T00:00:00',
  cycleAnchorDateOfInterestPayment: '2013-01-01T00:00:00',
  cycleOfInterestPayment: 'P1ML0',
  dayCountConvention: '30E360',
  endOfMonthConvention: 'SD',
};
const floating = (id: string, code: string) => ({
  ...base,
  contractID: id,
  cycleAnchorDateOfRateReset: '2013-02-01T00:00:00',
  cycleOfRateReset: 'P3ML1',
  rateSpread: '0.02',
  rateMultiplier: '1.0',
  marketObjectCodeOfRateReset: code,
});
const fixed = (id: string, notional = '3000') => ({ ...base, contractID: id, notionalPrincipal: notional });
/** Terms with cycleOfInterestPayment misspelt cycleOfInterestPaymnt. */
const misspelt = ({ cycleOfInterestPayment, ...rest }: ReturnType<typeof fixed>) => ({ ...rest, cycleOfInterestPaymnt: cycleOfInterestPayment });

/** What the test has written to market_data, as the engine's series. */
const market = new Map<string, Map<string, number>>();
function recordMarket(rows: { marketObjectCode: string; observedAt: string; value: number }[]) {
  for (const r of rows) {
    let s = market.get(r.marketObjectCode);
    if (!s) market.set(r.marketObjectCode, (s = new Map()));
    s.set(r.observedAt, r.value);
  }
}
async function insertMarket(rows: { marketObjectCode: string; observedAt: string; value: number }[]) {
  recordMarket(rows);
  await env.db.upsertMarketData(rows);
}

/** The rows a direct engine computation gives for these terms and the market data written so far. */
function expectedRows(terms: Record<string, unknown>) {
  const data = new Map<string, TimeSeriesPoint[]>();
  for (const [code, s] of market) data.set(code, [...s].map(([t, value]) => ({ time: parseDateTime(t)!, value })));
  const prepared = prepareContract(terms as Parameters<typeof prepareContract>[0]);
  return eventsToJson(evaluate(prepared, { observer: new TimeSeriesObserver(data) }), prepared.type.reportedStates);
}

function expectRowsEqual(rows: CashflowRow[], expected: ReturnType<typeof expectedRows>) {
  expect(rows.map((r) => [r.seq, r.eventDate.slice(0, 19), r.eventType])).toEqual(expected.map((e, i) => [i, e.eventDate, e.eventType]));
  rows.forEach((r, i) => {
    const e = expected[i];
    expect(r.currency).toBe(e.currency);
    expect(r.payoff).toBeCloseTo(e.payoff, 9);
    expect(r.notionalPrincipal).toBeCloseTo(e.notionalPrincipal!, 9);
    expect(r.nominalInterestRate).toBeCloseTo(e.nominalInterestRate!, 9);
    expect(r.accruedInterest).toBeCloseTo(e.accruedInterest!, 9);
  });
}

/** Waits until the contract's rows equal the direct computation (intermediate results may pass by first). */
async function rowsBecome(id: string, expected: ReturnType<typeof expectedRows>): Promise<CashflowRow[]> {
  await eventually(`rows of ${id} equal to the engine's`, async () => {
    const rows = await env.db.contractCashflows(id);
    expectRowsEqual(rows, expected);
    return true;
  });
  const rows = await env.db.contractCashflows(id);
  expectRowsEqual(rows, expected);
  return rows;
}

const version = async (id: string) => (await env.db.cashflowVersion(id))?.version;
const metric = async (name: string, labels: Record<string, string>) => {
  const m = await env.pipeline!.metrics.registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
};
/** Waits until the calculator has finished (effects durable, offsets committed) `n` more recalc requests than `before`. */
async function calculatorConsumed(before: number, n: number) {
  await eventually(`calculator to finish ${n} requests`, async () => (await metric('cashflow_records_committed_total', { processor: 'calculator' })) >= before + n);
}

const t0 = Date.now();
beforeAll(async () => {
  await env.setUp();
  await env.startProcessors();
  process.stderr.write(`pipeline test: environment ready in ${Date.now() - t0} ms\n`);
});

afterAll(async () => {
  await env.tearDown();
});

describe('pipeline end to end', () => {
  const terms: Record<string, Record<string, unknown>> = {
    A1: floating('A1', 'USD_SWP'),
    A2: { ...floating('A2', 'USD_SWP'), notionalPrincipal: '5000' },
    B1: floating('B1', 'EUR_SWP'),
    C1: fixed('C1'),
  };

  it('(1) rows in the source tables become result rows equal to a direct engine computation', async () => {
    const started = Date.now();
    // contracts first: the floating ones wait for their market data, then are computed when it arrives
    await env.db.upsertContracts(Object.entries(terms).map(([id, t]) => ({ contractId: id, contractType: 'PAM', terms: JSON.stringify(t) })));
    const waiting = await eventually('A1 waiting for USD_SWP', async () => {
      const v = await env.db.cashflowVersion('A1');
      return v?.status === 'waiting' ? v : undefined;
    });
    expect(waiting.reason).toMatch(/USD_SWP/);
    await insertMarket([
      { marketObjectCode: 'USD_SWP', observedAt: '2013-02-01T00:00:00', value: 0.0098271604945178 },
      { marketObjectCode: 'USD_SWP', observedAt: '2013-05-01T00:00:00', value: 0.0109382716029818 },
      { marketObjectCode: 'USD_SWP', observedAt: '2013-08-01T00:00:00', value: 0.0120493827160494 },
      { marketObjectCode: 'EUR_SWP', observedAt: '2013-01-15T00:00:00', value: 0.02 },
      { marketObjectCode: 'EUR_SWP', observedAt: '2013-06-15T00:00:00', value: 0.025 },
    ]);
    for (const id of Object.keys(terms)) {
      await rowsBecome(id, expectedRows(terms[id]));
      expect((await env.db.cashflowVersion(id))?.status).toBe('computed');
    }
    process.stderr.write(`pipeline test (1): 4 contracts computed ${Date.now() - started} ms after the first commit\n`);
    expect((await env.db.cashflowVersion('A1'))!.version).toBeGreaterThan(waiting.version);
  });

  it('(2) a new observation recomputes exactly the contracts depending on its code; an identical schedule publishes nothing', async () => {
    const before = Object.fromEntries(await Promise.all(Object.keys(terms).map(async (id) => [id, await version(id)])));
    const requestsBefore = await metric('cashflow_records_committed_total', { processor: 'calculator' });
    const published = await metric('cashflow_records_out_total', { processor: 'calculator' });
    const committed = Date.now();
    await insertMarket([{ marketObjectCode: 'USD_SWP', observedAt: '2013-11-01T00:00:00', value: 0.0131604938271605 }]);
    for (const id of ['A1', 'A2']) {
      await rowsBecome(id, expectedRows(terms[id]));
      expect(await version(id)).toBeGreaterThan(before[id]!);
    }
    process.stderr.write(`pipeline test (2): market commit to both results committed in ${Date.now() - committed} ms\n`);
    await calculatorConsumed(requestsBefore, 2);
    expect(await metric('cashflow_records_out_total', { processor: 'calculator' })).toBe(published + 2);
    expect(await version('B1')).toBe(before.B1);
    expect(await version('C1')).toBe(before.C1);

    // after maturity: A1 and A2 are recomputed, their schedules are identical, nothing is published
    const requests2 = await metric('cashflow_records_committed_total', { processor: 'calculator' });
    const versions2 = { A1: await version('A1'), A2: await version('A2') };
    await insertMarket([{ marketObjectCode: 'USD_SWP', observedAt: '2015-06-01T00:00:00', value: 0.5 }]);
    await calculatorConsumed(requests2, 2);
    expect(await metric('cashflow_records_out_total', { processor: 'calculator' })).toBe(published + 2);
    expect({ A1: await version('A1'), A2: await version('A2') }).toEqual(versions2);
  });

  it('(3) updating terms replaces a contract\'s rows; deleting a contract deletes them', async () => {
    const before = await version('C1');
    terms.C1 = fixed('C1', '7000');
    await env.db.upsertContracts([{ contractId: 'C1', contractType: 'PAM', terms: JSON.stringify(terms.C1) }]);
    const rows = await rowsBecome('C1', expectedRows(terms.C1));
    expect(await version('C1')).toBeGreaterThan(before!);
    expect(rows.find((r) => r.eventType === 'IED')!.payoff).toBeCloseTo(-7000, 9);

    await env.db.deleteContracts(['B1']);
    await eventually('B1 deleted', async () => (await env.db.cashflowVersion('B1'))?.status === 'deleted');
    expect(await env.db.contractCashflows('B1')).toEqual([]);
    expect((await env.db.contractCashflows('A1')).length).toBeGreaterThan(0);
  });

  it('(4) malformed rows land in the dead letter topic with a readable reason; the valid rows around them are processed', async () => {
    const consumer: Consumer = await env.consumer('dead-letters');
    const deadLetters: { key: string | null; headers: Record<string, string> }[] = [];
    await consumer.subscribe({ topics: [env.topology.topic('deadLetter').name] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        deadLetters.push({ key: message.key?.toString() ?? null, headers });
      },
    });
    terms.D1 = fixed('D1', '1000');
    terms.D2 = fixed('D2', '2000');
    await env.db.upsertContracts([
      { contractId: 'D1', contractType: 'PAM', terms: JSON.stringify(terms.D1) },
      { contractId: 'BAD-JSON', contractType: 'PAM', terms: '{"contractType": "PAM", "notionalPrincipal": ' },
      { contractId: 'BAD-TERMS', contractType: 'PAM', terms: JSON.stringify({ ...fixed('BAD-TERMS'), notionalPrincipal: 'lots', maturityDate: 'soon' }) },
      { contractId: 'BAD-TYPE', contractType: 'XYZ', terms: JSON.stringify({ ...fixed('BAD-TYPE'), contractType: 'XYZ' }) },
      // a misspelt term was once ignored and the contract computed without it
      { contractId: 'BAD-NAME', contractType: 'PAM', terms: JSON.stringify(misspelt(fixed('BAD-NAME'))) },
      { contractId: 'D2', contractType: 'PAM', terms: JSON.stringify(terms.D2) },
    ]);
    // double precision holds 'NaN' and 'Infinity': such an observation is poison, not data
    await env.db.upsertMarketData([
      { marketObjectCode: 'BAD_VALUE', observedAt: '2013-03-01T00:00:00', value: NaN },
      { marketObjectCode: 'BAD_VALUE', observedAt: '2013-04-01T00:00:00', value: Infinity },
    ]);
    for (const id of ['D1', 'D2']) {
      await rowsBecome(id, expectedRows(terms[id]));
    }
    await eventually('six dead letters', async () => deadLetters.length >= 6);
    const cdcContracts = env.topology.topic('cdcContracts').name;
    const byId = (id: string) => deadLetters.find((d) => d.key?.includes(id))!;
    for (const id of ['BAD-JSON', 'BAD-TERMS', 'BAD-TYPE', 'BAD-NAME']) {
      const d = byId(id);
      expect(d, id).toBeDefined();
      expect(d.headers).toMatchObject({ processor: 'contract-ingest', 'original.topic': cdcContracts });
      expect(Number(d.headers['original.offset'])).toBeGreaterThanOrEqual(0);
      expect(d.headers['original.partition']).toMatch(/^\d+$/);
    }
    expect(byId('BAD-JSON').headers.reason).toMatch(/BAD-JSON.*not JSON/);
    expect(byId('BAD-TERMS').headers.reason).toMatch(/notionalPrincipal/);
    expect(byId('BAD-TERMS').headers.reason).toMatch(/maturityDate/);
    expect(byId('BAD-TYPE').headers.reason).toMatch(/XYZ/);
    expect(byId('BAD-NAME').headers.reason).toBe(
      "contract BAD-NAME: invalid terms of BAD-NAME: cycleOfInterestPaymnt: unknown term 'cycleOfInterestPaymnt' (did you mean 'cycleOfInterestPayment'?)",
    );
    const cdcMarket = env.topology.topic('cdcMarketData').name;
    const market = deadLetters.filter((d) => d.headers.processor === 'market-ingest');
    expect(market.map((d) => d.headers.reason).sort()).toEqual([
      'market_data row BAD_VALUE|2013-03-01T00:00:00 with value NaN: not a finite number',
      'market_data row BAD_VALUE|2013-04-01T00:00:00 with value Infinity: not a finite number',
    ]);
    for (const d of market) expect(d.headers).toMatchObject({ 'original.topic': cdcMarket, 'error.type': 'MalformedObservationError' });
    expect((await env.pipeline!.store.series(['BAD_VALUE'])).get('BAD_VALUE')?.points ?? []).toEqual([]);
    expect(deadLetters).toHaveLength(6);
    for (const id of ['BAD-JSON', 'BAD-TERMS', 'BAD-TYPE', 'BAD-NAME']) expect(await env.db.cashflowVersion(id)).toBeNull();
  });

  it('(6) after a FLUSH of the state and a rebuild from the compacted topics, incremental behaviour is correct again', async () => {
    const redis = await env.rawRedis();
    try {
      expect(await clearState(redis, env.redisPrefix)).toBeGreaterThan(0);
      expect(await redis.keys(`${env.redisPrefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
    const outcome = await rebuildState({ config: env.config, topology: env.topology, store: env.pipeline!.store });
    expect(outcome.contracts).toBeGreaterThanOrEqual(6);
    expect(outcome.observations).toBeGreaterThanOrEqual(7);
    process.stderr.write(`pipeline test (6): rebuild ${JSON.stringify(outcome)}\n`);

    const before = Object.fromEntries(await Promise.all(['A1', 'A2', 'C1', 'D1', 'D2'].map(async (id) => [id, await version(id)])));
    const published = await metric('cashflow_records_out_total', { processor: 'calculator' });
    // a change that moves the schedules of the USD_SWP contracts only
    await insertMarket([{ marketObjectCode: 'USD_SWP', observedAt: '2013-05-01T00:00:00', value: 0.03 }]);
    for (const id of ['A1', 'A2']) {
      await rowsBecome(id, expectedRows(terms[id]));
      expect(await version(id)).toBeGreaterThan(before[id]!);
    }
    for (const id of ['C1', 'D1', 'D2']) expect(await version(id)).toBe(before[id]);
    expect(await metric('cashflow_records_out_total', { processor: 'calculator' })).toBe(published + 2);

    // the fingerprints came back too: a tick after maturity publishes nothing
    const requests = await metric('cashflow_records_committed_total', { processor: 'calculator' });
    await insertMarket([{ marketObjectCode: 'USD_SWP', observedAt: '2016-01-01T00:00:00', value: 0.9 }]);
    await calculatorConsumed(requests, 2);
    expect(await metric('cashflow_records_out_total', { processor: 'calculator' })).toBe(published + 2);
  });
});
