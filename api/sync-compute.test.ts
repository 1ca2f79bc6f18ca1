// The budget of a synchronous request: the answer's bytes are `cashflow actus`'s, and computing
// stops at the first case past the events or the time allowed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testBedResultText, type TestBedCase } from '../engine/index.js';
import { computeCases, overBudgetMessage } from './sync-compute.js';

const bed = JSON.parse(
  readFileSync(new URL('../../shared/actus/tests/actus-tests-pam.json', import.meta.url), 'utf8'),
) as Record<string, TestBedCase>;
const unbounded = { maxEvents: Number.MAX_SAFE_INTEGER, maxMs: Number.MAX_SAFE_INTEGER };

/** A PAM paying interest monthly from 2015 to `maturity`: one IED, one IP a month, one MD. */
const monthly = (maturity: string): TestBedCase => ({
  terms: {
    contractType: 'PAM',
    contractID: 'm',
    contractRole: 'RPA',
    currency: 'USD',
    statusDate: '2015-01-01T00:00:00',
    initialExchangeDate: '2015-01-15T00:00:00',
    maturityDate: maturity,
    notionalPrincipal: '1000',
    nominalInterestRate: '0.05',
    dayCountConvention: 'A365',
    cycleOfInterestPayment: 'P1ML0',
    cycleAnchorDateOfInterestPayment: '2015-01-15T00:00:00',
  },
});

describe('computeCases', () => {
  it('writes each case exactly as `cashflow actus` prints it, back to back', () => {
    const ids = Object.keys(bed);
    const o = computeCases(
      ids.map((id) => bed[id]),
      unbounded,
    );
    if (!o.ok) throw new Error('over budget');
    const text = Buffer.from(o.bytes).toString('utf8');
    let body = '{';
    ids.forEach(
      (id, i) =>
        (body += `${i ? ',' : ''}${JSON.stringify(id)}:${text.slice(i ? o.ends[i - 1] : 0, o.ends[i])}`),
    );
    expect(`${body}}`).toBe(testBedResultText(bed));
  });

  it('stops at the first case that takes the events past API_SYNC_MAX_EVENTS, naming the limit', () => {
    // 2015-01-15 .. 2017-01-15 monthly: IED + 25 IP (the anchor 2015-01-15 to the maturity, both
    // included: spec PAM schedule S(IPANX, IPCL, MD)) + MD = 27 events per case
    const cases = [0, 1, 2, 3].map(() => monthly('2017-01-15T00:00:00'));
    expect(computeCases(cases, { ...unbounded, maxEvents: 108 }).ok).toBe(true);
    const o = computeCases(cases, { ...unbounded, maxEvents: 60 });
    expect(o).toMatchObject({
      ok: false,
      limit: 'events',
      computed: 3,
      total: 4,
      events: 81,
      largest: { index: 0, events: 27 },
    });
    if (o.ok) return;
    expect(overBudgetMessage(o, { maxEvents: 60, maxMs: 1, heapMb: 1 }, ['a', 'b', 'c', 'd'])).toBe(
      'the answer would hold more than 60 events (API_SYNC_MAX_EVENTS): 3 of 4 cases computed gave 81; the largest, "a", has 27 events; send fewer cases per request or an earlier horizon (`to`), or post them to /v1/jobs',
    );
  });

  it('stops after the case during which API_SYNC_TIMEOUT_MS passed', () => {
    let t = 0;
    const clock = () => (t += 40); // each case "takes" 40 ms
    const cases = [0, 1, 2, 3, 4].map(() => monthly('2016-01-15T00:00:00'));
    const o = computeCases(cases, { maxEvents: 1e9, maxMs: 100 }, clock);
    // started at 40; after case 1: 80 (40 ms), case 2: 120 (80 ms), case 3: 160 (120 ms > 100)
    expect(o).toMatchObject({ ok: false, limit: 'time', computed: 3, total: 5, elapsedMs: 120 });
  });

  it('counts no events for a case the engine rejects (its error is answered)', () => {
    const o = computeCases([{ terms: { contractType: 'PAM' } }], { maxEvents: 0, maxMs: 1e9 });
    expect(o.ok).toBe(true);
    if (o.ok) expect(Buffer.from(o.bytes).toString()).toMatch(/^\{"error":"/);
  });
});
