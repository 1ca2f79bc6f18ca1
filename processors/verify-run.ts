// A verification run: pages of contracts read from the database (sources and results, never
// Redis), each contract's expectation computed as the calculator computes it, compared with what
// the result tables hold (processors/verification.ts). Used by `cashflow verify`, the verifier
// processor and the fault tests. Memory is bounded by the page: a page's sources, rows and
// expectations are dropped before the next is read; only the market data series (a book has
// few market object codes) are kept for the run.
import type { CashflowRow, ContractRow, ContractSelection, Database, MarketDataRow, SourceContracts, StoredResults } from '../db/database.js';
import type { MarketSeries, StoredContract } from '../state/model.js';
import {
  checkResult,
  countVerdict,
  emptyCounts,
  prepareExpectation,
  seriesOf,
  storedContractOf,
  type ObservedEventRow,
  type StoredRun,
  type Verdict,
  type VerifyCounts,
} from './verification.js';
import { TermsRejected } from './contract-ingest.js';
import { CashflowColumns } from '../db/cashflow-columns.js';

/** The rows of a contract without any. */
const NO_ROWS = new CashflowColumns(0);

/** The reads a verification needs: the Database has them; the fault tests put in-memory sources in front. */
export type VerificationReader = Pick<Database, 'verificationIds' | 'sourceContracts' | 'marketData' | 'storedResults'>;

export interface VerifyRunOptions {
  /** CASHFLOW_HORIZON, as the calculator uses it. */
  horizon: string;
  /** Contracts per page (default 2,000: ~170,000 rows of a 83-event book). */
  pageSize?: number;
  /** Mismatching contracts kept with their differences (default 100); all are counted. */
  maxReported?: number;
  /** Differences kept per contract (default 20). */
  maxDifferences?: number;
  /** Called after each page with the counts so far. */
  onPage?: (counts: VerifyCounts) => void;
}

export interface VerifyReport {
  counts: VerifyCounts;
  /** Time spent waiting for the database (sources, results, market data). */
  readSeconds: number;
  /** Time spent computing expectations and comparing. */
  computeSeconds: number;
  /** The first mismatching contracts (missing, stale, extra, differing) with their differences. */
  mismatches: Verdict[];
  seconds: number;
}

const MAX_CACHED_SERIES = 10_000;

interface PageData {
  sources: SourceContracts;
  stored: StoredResults;
}

interface Page {
  selection: ContractSelection;
  /** The page's last id; null for the last page. */
  through: string | null;
  data: PageData;
}

/** The next page of `all()` after `after`: its ids, then its sources and stored results. */
async function readPage(reader: VerificationReader, after: string | null, pageSize: number): Promise<Page> {
  const ids = await reader.verificationIds(after, pageSize);
  // the last page is open-ended: it also takes rows of ids beyond the last known one
  const through = ids.length < pageSize ? null : ids[ids.length - 1];
  const selection = { after, through };
  return { selection, through, data: await readSelection(reader, selection) };
}

async function readSelection(reader: VerificationReader, selection: ContractSelection): Promise<PageData> {
  const [sources, stored] = await Promise.all([reader.sourceContracts(selection), reader.storedResults(selection)]);
  return { sources, stored };
}

/**
 * The reads of `Verification.all()` alone, page after page, nothing computed or compared (the
 * result rows decoded into the same columns): the database read of verify's speed target
 * (bench/verify.ts). Returns the contracts_cashflows rows read.
 */
export async function readAll(reader: VerificationReader, pageSize = 2000): Promise<number> {
  let rows = 0;
  for (let after: string | null = null; ; ) {
    const page = await readPage(reader, after, pageSize);
    rows += page.data.stored.rows.length;
    if (page.through === null) return rows;
    after = page.through;
  }
}

export class Verification {
  readonly counts = emptyCounts();
  readonly mismatches: Verdict[] = [];
  private readonly started = Date.now();
  private readonly series = new Map<string, MarketSeries | null>();
  private readMs = 0;
  private computeMs = 0;

  constructor(
    private readonly reader: VerificationReader,
    private readonly options: VerifyRunOptions,
  ) {}

  /** Every contract of contracts ∪ cashflow_versions ∪ contract_cashflows, in keyset pages. */
  async all(): Promise<void> {
    const pageSize = this.options.pageSize ?? 2000;
    let pending = this.readPage(null, pageSize);
    for (;;) {
      const t = performance.now();
      const page = await pending;
      this.readMs += performance.now() - t;
      // the next page is read while this one is computed: the database's time overlaps ours
      if (page.through !== null) {
        pending = this.readPage(page.through, pageSize);
        pending.catch(() => {}); // awaited above on the next turn; no unhandled rejection meanwhile
      }
      await this.checkRead(page.selection, page.data);
      if (page.through === null) return;
    }
  }

  private readPage(after: string | null, pageSize: number): Promise<Page> {
    return readPage(this.reader, after, pageSize);
  }

  private read(selection: ContractSelection): Promise<PageData> {
    return readSelection(this.reader, selection);
  }

  /** These contracts, in pages. */
  async ids(ids: readonly string[]): Promise<void> {
    const pageSize = this.options.pageSize ?? 2000;
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += pageSize) await this.check({ ids: unique.slice(i, i + pageSize) });
  }

  /** Checks one selection; returns its verdicts (also counted and, when mismatching, kept). */
  async check(selection: ContractSelection): Promise<Verdict[]> {
    const t = performance.now();
    const data = await this.read(selection);
    this.readMs += performance.now() - t;
    return this.checkRead(selection, data);
  }

  private async checkRead(selection: ContractSelection, { sources, stored }: PageData): Promise<Verdict[]> {
    let t = performance.now();
    const ids = new Set<string>('ids' in selection ? selection.ids : []);
    const contractRows = new Map(sources.contracts.map((c) => [c.contractId, c]));
    const eventsOf = groupBy(sources.observedEvents, (e: ObservedEventRow) => e.contractId);
    const results = new Map<string, StoredRun>();
    const resultOf = (id: string) => {
      let r = results.get(id);
      if (!r) results.set(id, (r = { contractId: id, version: null, columns: NO_ROWS, start: 0, end: 0 }));
      return r;
    };
    for (const v of stored.versions) resultOf(v.contractId).version = v;
    const rows = stored.rows;
    const scattered = new Set<StoredRun>();
    for (let k = 0; k < rows.runIds.length; k++) {
      const r = resultOf(rows.runIds[k]);
      if (r.columns === NO_ROWS) Object.assign(r, { columns: rows, start: rows.runStarts[k], end: rows.runEnd(k) });
      else scattered.add(r); // the contract's rows in more than one run: gathered below in the reader's order
    }
    for (const r of scattered) {
      const gathered: CashflowRow[] = [];
      for (let k = 0; k < rows.runIds.length; k++) if (rows.runIds[k] === r.contractId) gathered.push(...rows.rowsOf(rows.runStarts[k], rows.runEnd(k), r.contractId));
      Object.assign(r, { columns: CashflowColumns.of(gathered), start: 0, end: gathered.length });
    }
    if (!('ids' in selection)) {
      for (const id of contractRows.keys()) ids.add(id);
      for (const id of results.keys()) ids.add(id);
    }

    const prepared = [...ids].map((id) => prepareExpectation(id, contractRows.get(id), eventsOf.get(id)));
    const deps = new Set<string>();
    for (const p of prepared) for (const d of p.deps) deps.add(d);
    this.computeMs += performance.now() - t;
    t = performance.now();
    const [series, referenced] = await Promise.all([this.seriesFor([...deps]), this.referencedContracts([...deps], contractRows)]);
    this.readMs += performance.now() - t;
    t = performance.now();

    const verdicts: Verdict[] = [];
    for (const p of prepared) {
      const storedResult = results.get(p.contractId) ?? { contractId: p.contractId, version: null, columns: NO_ROWS, start: 0, end: 0 };
      const verdict = checkResult(p, series, referenced, this.options.horizon, storedResult, this.options.maxDifferences ?? 20);
      countVerdict(this.counts, verdict, storedResult.end - storedResult.start);
      if (verdict.kind !== 'equal' && verdict.kind !== 'rejected' && this.mismatches.length < (this.options.maxReported ?? 100)) this.mismatches.push(verdict);
      verdicts.push(verdict);
    }
    this.computeMs += performance.now() - t;
    this.options.onPage?.(this.counts);
    return verdicts;
  }

  report(): VerifyReport {
    return { counts: { ...this.counts }, mismatches: [...this.mismatches], seconds: (Date.now() - this.started) / 1000, readSeconds: this.readMs / 1000, computeSeconds: this.computeMs / 1000 };
  }

  /** The series of these keys (market object codes; contract ids find none), read once per run. */
  private async seriesFor(keys: string[]): Promise<Map<string, MarketSeries>> {
    const missing = keys.filter((k) => !this.series.has(k));
    if (missing.length) {
      if (this.series.size + missing.length > MAX_CACHED_SERIES) this.series.clear();
      const read: Map<string, MarketSeries> = seriesOf(await this.reader.marketData(missing));
      for (const k of missing) this.series.set(k, read.get(k) ?? null);
    }
    const out = new Map<string, MarketSeries>();
    for (const k of keys) {
      const s = this.series.get(k);
      if (s) out.set(k, s);
    }
    return out;
  }

  /** Contracts referenced by id (composite types), as contract-ingest stores them. */
  private async referencedContracts(keys: string[], page: ReadonlyMap<string, ContractRow>): Promise<Map<string, StoredContract>> {
    const out = new Map<string, StoredContract>();
    const elsewhere = keys.filter((k) => !page.has(k));
    const rows = [...keys.filter((k) => page.has(k)).map((k) => page.get(k)!)];
    if (elsewhere.length) rows.push(...(await this.reader.sourceContracts({ ids: elsewhere })).contracts);
    for (const row of rows) {
      try {
        out.set(row.contractId, storedContractOf(row));
      } catch (e) {
        if (!(e instanceof TermsRejected)) throw e; // dead-lettered terms: the store never holds them
      }
    }
    return out;
  }
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/** Market data rows as the reader gives them (for readers built on in-memory sources). */
export function marketDataOf(rows: readonly MarketDataRow[], codes: readonly string[]): MarketDataRow[] {
  const wanted = new Set(codes);
  return rows.filter((r) => wanted.has(r.marketObjectCode));
}

/** One line per mismatch difference, for people: `<contract> <kind> seq <n> <field>: expected <x>, found <y>`. */
export function describeMismatches(mismatches: readonly Verdict[], maxLines = 20): string[] {
  const lines: string[] = [];
  for (const m of mismatches) {
    if (lines.length >= maxLines) break;
    const d = m.differences[0];
    const where = d ? `${d.seq === null ? 'version row' : `seq ${d.seq}`} ${d.field}: expected ${fmt(d.expected)}, found ${fmt(d.found)}` : '';
    const more = m.differences.length > 1 ? ` (+${m.differences.length - 1} more)` : '';
    lines.push(`${m.contractId} ${m.kind}${where ? ` ${where}` : ''}${more}`);
  }
  return lines;
}

function fmt(v: string | number | null): string {
  return v === null ? 'null' : typeof v === 'number' ? String(v) : JSON.stringify(v);
}
