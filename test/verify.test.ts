// `cashflow verify` on the real local stack: a book flows from the source tables through
// Debezium and the processors into the result tables, verify finds nothing wrong; then, with
// the pipeline stopped, rows are deleted, every stored field kind is altered, a contract's terms
// change (stale), a contract is deleted and rows appear for unknown contracts (extra), and
// verify reports exactly that damage: its counts and the contracts of each kind.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoContracts, demoMarketData, demoPositions } from '../demo/book.js';
import { mismatchCount } from '../processors/verification.js';
import { Verification } from '../processors/verify-run.js';
import { repoFile } from '../config/repo-file.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';

const env = new PipelineEnv('vf');
const demo = demoContracts(120);
const book = demo.map((d) => d.row);
const ids = book.map((c) => c.contractId);
// a floating PAM on a code without market data: the engine cannot compute it (waiting)
const waitingTerms = { ...JSON.parse(book.find((c) => c.contractType === 'PAM')!.terms), contractID: 'w-1', cycleOfRateReset: 'P1YL1', marketObjectCodeOfRateReset: 'NO.DATA', rateSpread: '0.01' };
waitingTerms.cycleAnchorDateOfRateReset = waitingTerms.cycleAnchorDateOfRateReset ?? waitingTerms.maturityDate.replace(/^(\d{4})/, (y: string) => String(Number(y) - 1));
let sql: pg.Client;

const verifyAll = async () => {
  const v = new Verification(env.db, { horizon: env.config.horizon, pageSize: 50, maxReported: 1000 });
  await v.all();
  return v.report();
};
const idsOf = (r: Awaited<ReturnType<typeof verifyAll>>, kind: string) => r.mismatches.filter((m) => m.kind === kind).map((m) => m.contractId).sort();

beforeAll(async () => {
  await env.setUp();
  sql = new pg.Client({ connectionString: env.config.database.url });
  await sql.connect();
  await env.startProcessors();
});

afterAll(async () => {
  await sql?.end();
  await env.tearDown();
});

describe('cashflow verify', () => {
  it('finds a book the pipeline computed equal, then reports exactly the damage done by hand', async () => {
    await env.db.upsertMarketData(demoMarketData(demo));
    await env.db.upsertPositions(demoPositions(demo));
    await env.db.upsertContracts([...book, { contractId: 'w-1', contractType: 'PAM', terms: JSON.stringify(waitingTerms) }, { contractId: 'bad-1', contractType: 'PAM', terms: '{not json' }]);
    const clean = await eventually(
      'every contract computed and verified equal',
      async () => {
        const r = await verifyAll();
        return mismatchCount(r.counts) === 0 && r.counts.equal === book.length + 1 ? r : undefined;
      },
      240_000,
      2000,
    );
    expect(clean.counts).toMatchObject({ checked: book.length + 2, equal: book.length + 1, waiting: 1, rejected: 1, missing: 0, stale: 0, extra: 0, differing: 0 });
    expect(clean.counts.rows).toBeGreaterThan(book.length * 10);
    // the verifier ran beside the pipeline all along (default rate and grace): results in flight are not mismatches
    const during = (await (await fetch(`http://127.0.0.1:${env.pipeline!.port}/readyz`)).json()) as { verifier: { checked: number; mismatches: number } };
    expect(during.verifier.checked).toBeGreaterThan(0);
    expect(during.verifier.mismatches).toBe(0);
    await env.pipeline!.stop();

    // the damage, each on its own contract
    const x = (i: number) => ids[i * 7 + 1];
    const row = (i: number, set: string, where = 'seq = 1') => sql.query(`UPDATE contract_cashflows SET ${set} WHERE contract_id = $1 AND ${where}`, [x(i)]);
    await sql.query('DELETE FROM contract_cashflows WHERE contract_id = $1', [x(0)]); // missing: rows gone
    await sql.query('DELETE FROM contract_cashflows WHERE contract_id = $1', [x(1)]);
    await sql.query('DELETE FROM cashflow_versions WHERE contract_id = $1', [x(1)]); // missing: no version row
    await row(2, 'payoff = payoff * (1 + 2.220446049250313e-16)', 'seq = 0'); // one ulp of a notional
    await row(3, 'notional_principal = notional_principal + 1');
    await row(4, 'nominal_interest_rate = nominal_interest_rate + 0.0001');
    await row(5, 'accrued_interest = coalesce(accrued_interest, 0) + 0.5');
    await row(6, "event_date = event_date + interval '1 second'");
    await row(7, "event_type = 'ZZ'");
    await row(8, "currency = 'XXX'");
    await row(9, 'version = version - 1');
    await sql.query("UPDATE cashflow_versions SET fingerprint = 'tampered' WHERE contract_id = $1", [x(10)]);
    await sql.query('UPDATE cashflow_versions SET event_count = event_count + 1 WHERE contract_id = $1', [x(11)]);
    await sql.query('DELETE FROM contract_cashflows WHERE contract_id = $1 AND seq = (SELECT max(seq) FROM contract_cashflows WHERE contract_id = $1)', [x(12)]);
    // stale: a source change the stopped pipeline has not computed
    const changed = book.find((c) => c.contractId === x(13))!;
    const t = JSON.parse(changed.terms);
    await env.db.upsertContracts([{ ...changed, terms: JSON.stringify({ ...t, notionalPrincipal: String(Number(t.notionalPrincipal) + 1000) }) }]);
    // extra: a deleted contract's result, rows and a version row for contracts never in contracts
    await env.db.deleteContracts([x(14)]);
    await sql.query(`INSERT INTO contract_cashflows (contract_id, seq, event_date, event_type, currency, payoff, version) VALUES ('zz-orphan', 0, '2030-01-01', 'IP', 'USD', 1, 5)`);
    await sql.query(`INSERT INTO cashflow_versions (contract_id, version, fingerprint, event_count, status) VALUES ('zz-ghost', 5, 'f', 0, 'computed')`);

    const damaged = await verifyAll();
    expect(damaged.counts).toMatchObject({ checked: book.length + 4, equal: book.length + 1 - 15, missing: 2, differing: 11, stale: 1, extra: 3, waiting: 1, rejected: 1, deleted: 3 });
    expect(idsOf(damaged, 'missing')).toEqual([x(0), x(1)].sort());
    expect(idsOf(damaged, 'differing')).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(x).sort());
    expect(idsOf(damaged, 'stale')).toEqual([x(13)]);
    expect(idsOf(damaged, 'extra')).toEqual([x(14), 'zz-ghost', 'zz-orphan'].sort());
    const fieldOf = (i: number) => damaged.mismatches.find((m) => m.contractId === x(i))!.differences.map((d) => d.field);
    expect(fieldOf(2)).toEqual(['payoff']);
    expect(fieldOf(3)).toEqual(['notionalPrincipal']);
    expect(fieldOf(4)).toEqual(['nominalInterestRate']);
    expect(fieldOf(5)).toEqual(['accruedInterest']);
    expect(fieldOf(6)).toEqual(['eventDate']);
    expect(fieldOf(7)).toEqual(['eventType']);
    expect(fieldOf(8)).toEqual(['currency']);
    expect(fieldOf(9)).toEqual(['version']);
    expect(fieldOf(10)).toEqual(['fingerprint']);
    expect(fieldOf(11)).toEqual(['event_count']);
    expect(fieldOf(12)).toEqual(['rows', 'row']);
    const payoff = damaged.mismatches.find((m) => m.contractId === x(2))!.differences[0];
    expect(payoff.seq).toBe(0);
    expect(payoff.found).toBe((payoff.expected as number) * (1 + 2.220446049250313e-16));

    // the command: the same verdicts, exit 1, the damaged ids on stdout
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [repoFile('bin', 'cashflow.js'), 'verify', ...args], {
        env: { ...process.env, DATABASE_DIALECT: 'postgres', DATABASE_URL: env.config.database.url },
        maxBuffer: 1 << 24,
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const json = await run('--all', '--json');
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ checked: book.length + 4, missing: 2, differing: 11, stale: 1, extra: 3, mismatching: 17 });
    expect([...out.mismatchingIds].sort()).toEqual([...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map(x), 'zz-ghost', 'zz-orphan'].sort());
    const one = await run('--contract', x(6));
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`${x(6)} differing seq 1 eventDate: expected "`);
    const fine = await run('--contract', ids[100], ids[0]);
    expect(fine.code).toBe(0);
    expect(fine.stdout).toMatch(/checked 2 contracts .* 2 equal, 0 missing, 0 stale, 0 extra, 0 differing/);
    const portfolio = await run('--portfolio', 'P-ALPHA');
    expect(portfolio.stdout).toMatch(/checked 4\d contracts/);

    // the verifier processor on the damaged tables: its rolling walk finds the same 17 contracts,
    // each reported once it is still wrong at the same stored version after the grace period
    const reported = new Map<string, string>();
    process.env.CASHFLOW_VERIFY_RATE = '40';
    process.env.CASHFLOW_VERIFY_GRACE_SECONDS = '2';
    const verifier = await env.startProcessors({
      processors: ['verifier'],
      log: (_level, message, fields) => {
        if (message.startsWith('verifier: stored result differs')) reported.set(String(fields!.contractId), String(fields!.kind));
      },
    });
    delete process.env.CASHFLOW_VERIFY_RATE;
    delete process.env.CASHFLOW_VERIFY_GRACE_SECONDS;
    await eventually('the verifier reported the 17 wrong contracts', async () => reported.size >= 17, 60_000, 500);
    const expectedKinds = new Map<string, string>([
      ...[0, 1].map((i) => [x(i), 'missing'] as [string, string]),
      ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => [x(i), 'differing'] as [string, string]),
      [x(13), 'stale'],
      ...[x(14), 'zz-ghost', 'zz-orphan'].map((id) => [id, 'extra'] as [string, string]),
    ]);
    expect(new Map([...reported].sort())).toEqual(new Map([...expectedKinds].sort()));
    const readyz = (await (await fetch(`http://127.0.0.1:${verifier.port}/readyz`)).json()) as { verifier: { checked: number; mismatches: number; lastMismatch: { contractId: string } } };
    expect(readyz.verifier.mismatches).toBeGreaterThanOrEqual(17);
    expect(expectedKinds.has(readyz.verifier.lastMismatch.contractId)).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${verifier.port}/metrics`)).text();
    expect(metrics).toMatch(/cashflow_verify_mismatches_total\{kind="differing"\} (1[1-9]|[2-9]\d)/);
    expect(metrics).toMatch(/cashflow_verify_checked_total [1-9]/);
  });
});
