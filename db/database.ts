// The one database interface of the pipeline. Two twins implement it: db/postgres/ (local
// and CI) and db/mssql/ (production). Everything that is not dialect SQL lives here.
import { readdirSync, readFileSync } from 'node:fs';
import type { DatabaseDialect } from '../config/config.js';
import { ComponentDownError, ServiceUnavailableError } from '../clients/errors.js';
import { repoFile } from '../config/repo-file.js';
import type { CashflowStatus } from '../schemas/types.js';
import { decodedEvents, eventCount, isEncoded, type Schedule } from '../wire/schedule.js';
import type { CashflowColumns, CashflowRow } from './cashflow-columns.js';

export type { CashflowRow } from './cashflow-columns.js';

/** A result for one contract, as carried by cashflow.contract-cashflows (its events possibly still encoded). */
export type ContractResult = Pick<
  Schedule,
  'contractId' | 'version' | 'fingerprint' | 'status' | 'reason' | 'computedAt' | 'events'
>;

export interface ApplyOutcome {
  /** Contracts whose rows were replaced (their version was newer than the stored one). */
  applied: string[];
  /** Results not applied: older or equal versions (replays, duplicates, superseded in batch). */
  skipped: number;
  /** contract_cashflows rows written. */
  rowsWritten: number;
}

export interface MigrateOptions {
  /** PostgreSQL: the publication Debezium reads (default `cashflow_cdc`). */
  publication?: string;
}

export interface MigrateOutcome {
  database: string;
  createdDatabase: boolean;
  applied: string[];
  /** Things the operator should know (e.g. wal_level is not logical). */
  warnings: string[];
}


/** A row of position_cashflows: contract cash flows scaled by the position's quantity. */
export interface PositionCashflowRow extends CashflowRow {
  positionId: string;
  portfolioId: string;
  quantity: number;
}

export interface CashflowVersion {
  contractId: string;
  version: number;
  fingerprint: string | null;
  eventCount: number;
  computedAt: string;
  status: CashflowStatus;
  reason: string | null;
}

export type LadderBucket = 'month' | 'quarter';

export interface LadderRow {
  /** First day of the bucket, `YYYY-MM-DD`. */
  bucket: string;
  currency: string | null;
  payoff: number;
  events: number;
}

/** Inclusive lower, exclusive upper bound on event_date (`YYYY-MM-DD[THH:MM:SS]`). */
export interface DateRange {
  from?: string;
  to?: string;
}

export interface ContractRow {
  contractId: string;
  contractType: string;
  /** JSON text. */
  terms: string;
}
export interface PositionRow {
  positionId: string;
  portfolioId: string;
  contractId: string;
  quantity: number;
}
export interface MarketDataRow {
  marketObjectCode: string;
  observedAt: string;
  value: number;
}

/** A row of observed_events (dates `YYYY-MM-DDTHH:MM:SS`). */
export interface ObservedEventRow {
  contractId: string;
  eventType: string;
  observedAt: string;
  value: number | null;
  /** JSON text. */
  states: string | null;
}

/**
 * The contracts a verification read covers: these ids, or every id in the range (after,
 * through] of the database's own ordering of contract_id (null: unbounded on that side).
 */
export type ContractSelection = { ids: readonly string[] } | { after: string | null; through: string | null };

/** Source rows of a selection: contracts and their observed events. */
export interface SourceContracts {
  contracts: ContractRow[];
  observedEvents: ObservedEventRow[];
}

/** Result rows of a selection, read in one snapshot: version rows, and cash flow rows by contract and seq. */
export interface StoredResults {
  versions: CashflowVersion[];
  /** As columns, no object per row: a page holds ~170,000 (db/cashflow-columns.ts). */
  rows: CashflowColumns;
}

export interface Database {
  readonly dialect: DatabaseDialect;
  /** Database name the client is connected to. */
  readonly name: string;
  /** Creates the database when missing (PostgreSQL), applies pending migrations, enables CDC. */
  migrate(options?: MigrateOptions): Promise<MigrateOutcome>;
  /**
   * The sink's write: bulk-loads the batch into staging, then in one transaction replaces the
   * rows of each contract whose incoming version is newer than cashflow_versions (status
   * `deleted` or `waiting` carry no events, so their rows go). Replays change nothing.
   */
  applyResults(batch: readonly ContractResult[]): Promise<ApplyOutcome>;
  contractCashflows(contractId: string): Promise<CashflowRow[]>;
  cashflowVersion(contractId: string): Promise<CashflowVersion | null>;
  cashflowVersions(contractIds: readonly string[]): Promise<CashflowVersion[]>;
  portfolioCashflows(portfolioId: string, range?: DateRange): Promise<PositionCashflowRow[]>;
  /** Sum of payoffs per bucket and currency over a portfolio's positions. */
  cashflowLadder(portfolioId: string, bucket: LadderBucket, range?: DateRange): Promise<LadderRow[]>;
  /** Source-table writers for the demo, tests and benchmarks (one statement per call). */
  upsertContracts(rows: readonly ContractRow[]): Promise<void>;
  deleteContracts(contractIds: readonly string[]): Promise<void>;
  upsertPositions(rows: readonly PositionRow[]): Promise<void>;
  upsertMarketData(rows: readonly MarketDataRow[]): Promise<void>;

  // Reads of `cashflow verify` (processors/verification.ts): straight from the tables, in pages.
  /** The next `limit` ids after `after` (null: from the start) of contracts ∪ cashflow_versions, in the database's order. */
  verificationIds(after: string | null, limit: number): Promise<string[]>;
  /** contracts and observed_events rows of the selection. */
  sourceContracts(selection: ContractSelection): Promise<SourceContracts>;
  /** market_data rows of these market object codes. */
  marketData(codes: readonly string[]): Promise<MarketDataRow[]>;
  /** cashflow_versions and contract_cashflows rows of the selection, in one snapshot. */
  storedResults(selection: ContractSelection): Promise<StoredResults>;
  /** The contract ids held in a portfolio (positions). */
  portfolioContractIds(portfolioId: string): Promise<string[]>;
  /** About `n` contract ids of `contracts` picked at random. */
  sampleContractIds(n: number): Promise<string[]>;
  close(): Promise<void>;
  /** `cashflow db check`: what the pipeline needs of this server, one finding per check. */
  check(options?: CheckOptions): Promise<DatabaseCheck[]>;
}

// ---------------------------------------------------------------- db check

/** ok; warn: works, but an operator should know (exit 0); fail: the pipeline will not work as it should (exit non-zero). */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DatabaseCheck {
  /** Short kebab-case name, e.g. `rcsi`, `wal-level`. */
  name: string;
  status: CheckStatus;
  detail: string;
  /** The command that checks it (README's first-run checklist) or, when not ok, fixes it. */
  command: string;
}

export interface CheckOptions {
  /** PostgreSQL: the publication and slot the connector uses (default `cashflow_cdc`). */
  publication?: string;
  slot?: string;
  /** The login Debezium connects with (default: the one of DATABASE_URL). */
  cdcUser?: string;
}

/** One line per check: `<name> <ok|warn|fail> <detail>[ — <command>]` (the command where not ok). */
export function formatCheck(c: DatabaseCheck): string {
  return `${c.name} ${c.status} ${c.detail}${c.status === 'ok' ? '' : ` — ${c.command}`}`;
}

/**
 * The `schema` check of both twins: every migration of db/sql/<dialect> applied (`applied`
 * undefined: no migrations table yet). `command` reads the applied ones.
 */
export function schemaCheck(expected: readonly string[], applied: readonly string[] | undefined, command: string): DatabaseCheck {
  const missing = applied === undefined ? expected : expected.filter((m) => !applied.includes(m));
  if (missing.length) return { name: 'schema', status: 'fail', detail: `migrations not applied: ${missing.join(', ')}`, command: 'cashflow db migrate' };
  return { name: 'schema', status: 'ok', detail: `migrations applied: ${expected.join(', ')}`, command };
}

/** A transient failure (connection refused, deadlock, failover): retry with backoff. */
export class DatabaseUnavailableError extends ServiceUnavailableError {
  constructor(target: string, hint: string, options?: { cause?: unknown }) {
    super('database', target, hint, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * The database refuses us for a reason only an operator can fix (login, password, TLS trust,
 * missing rights). Retriable, so that no valid result is dead-lettered meanwhile (invariant 5),
 * but named for what it is, not "is the database reachable?".
 */
export class DatabaseConfigurationError extends ComponentDownError {
  constructor(target: string, readonly hint: string, options?: { cause?: unknown }) {
    super('database', target, `configuration: ${hint}`, options);
    this.name = 'DatabaseConfigurationError';
  }
}

// ---------------------------------------------------------------- shared, dialect-free logic

/**
 * The results the batch can possibly apply: per contract the highest version; on equal
 * versions the later message (a duplicate, identical by construction).
 */
export function latestPerContract(batch: readonly ContractResult[]): ContractResult[] {
  const latest = new Map<string, ContractResult>();
  for (const r of batch) {
    const seen = latest.get(r.contractId);
    if (!seen || r.version >= seen.version) latest.set(r.contractId, r);
  }
  return [...latest.values()];
}

/**
 * A result no database column can hold: a non-finite amount (PostgreSQL would store NaN
 * silently, SQL Server refuses the whole batch with "Invalid number."), or an id longer than
 * the dialect's id column (SQL Server nvarchar(200): Msg 4815 from the bulk load). Permanent:
 * the sink's runner isolates the result and dead-letters it with this message.
 */
export class UnwritableResultError extends Error {
  constructor(
    readonly contractId: string,
    readonly problem: string,
  ) {
    super(`result of contract ${JSON.stringify(contractId.length > 60 ? `${contractId.slice(0, 60)}…` : contractId)} cannot be written: ${problem}`);
    this.name = 'UnwritableResultError';
  }
}

const AMOUNTS = ['payoff', 'notionalPrincipal', 'nominalInterestRate', 'accruedInterest'] as const;

/** Throws UnwritableResultError for the first result of the batch that no table can hold (see there). */
export function assertWritableResults(
  batch: readonly ContractResult[],
  limits: {
    maxIdLength?: number;
    /** Check amounts of events still encoded too (decodes them: the SQL Server twin does anyway; the PostgreSQL twin copies the bytes as they are). */
    decodeEvents?: boolean;
  } = {},
): void {
  for (const r of batch) {
    if (r.contractId.length === 0) throw new UnwritableResultError(r.contractId, 'empty contract id');
    if (limits.maxIdLength !== undefined && r.contractId.length > limits.maxIdLength) {
      throw new UnwritableResultError(r.contractId, `contract id of ${r.contractId.length} characters, the column holds ${limits.maxIdLength}`);
    }
    if (!Number.isSafeInteger(r.version) || r.version < 0) throw new UnwritableResultError(r.contractId, `version ${r.version} is not a non-negative safe integer`);
    if (r.status !== 'computed' || (!limits.decodeEvents && isEncoded(r.events))) continue;
    decodedEvents(r).forEach((e, seq) => {
      for (const k of AMOUNTS) {
        const v = e[k];
        if (v !== null && v !== undefined && !Number.isFinite(v)) {
          throw new UnwritableResultError(r.contractId, `event ${seq} (${e.eventType} ${e.eventDate}) has ${k} = ${v}`);
        }
      }
    });
  }
}

/** Version row staged for a result. */
export interface StagedVersion {
  contractId: string;
  version: number;
  fingerprint: string | null;
  eventCount: number;
  status: CashflowStatus;
  reason: string | null;
  computedAt: string | null;
}

export function stagedVersion(r: ContractResult): StagedVersion {
  return {
    contractId: r.contractId,
    version: r.version,
    fingerprint: r.fingerprint,
    eventCount: r.status === 'computed' ? eventCount(r) : 0,
    status: r.status,
    reason: r.reason,
    computedAt: r.computedAt || null,
  };
}

/** Database.cashflowVersion of both twins: the one contract's row of their cashflowVersions read. */
export async function oneCashflowVersion(
  db: Pick<Database, 'cashflowVersions'>,
  contractId: string,
): Promise<CashflowVersion | null> {
  return (await db.cashflowVersions([contractId]))[0] ?? null;
}

export const LADDER_BUCKETS: readonly LadderBucket[] = ['month', 'quarter'];

export function assertLadderBucket(bucket: string): asserts bucket is LadderBucket {
  if (!LADDER_BUCKETS.includes(bucket as LadderBucket)) {
    throw new RangeError(`ladder bucket must be one of ${LADDER_BUCKETS.join(', ')}, got "${bucket}"`);
  }
}

/** A database or publication name we are willing to splice into DDL. */
export function assertIdentifier(kind: string, name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new RangeError(`${kind} "${name}" must match [A-Za-z_][A-Za-z0-9_]* (at most 63 characters)`);
  }
}

export interface Migration {
  id: string;
  sql: string;
}

/** The migrations of a dialect, in order: db/sql/<dialect>/NNN_name.sql. */
export function migrations(dialect: DatabaseDialect): Migration[] {
  const dir = repoFile('db', 'sql', dialect);
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: f.replace(/\.sql$/, ''), sql: readFileSync(`${dir}/${f}`, 'utf8') }));
}

/** T-SQL batches: the text between `GO` lines (how sqlcmd and SSMS run a script). */
export function tsqlBatches(sql: string): string[] {
  return sql
    .split(/^\s*GO\s*;?\s*$/im)
    .map((b) => b.trim())
    .filter((b) => b.replace(/--.*$/gm, '').trim().length > 0);
}

/** Normalises a database timestamp string to `YYYY-MM-DDTHH:MM:SS`. */
export function isoSeconds(value: string | Date): string {
  if (value instanceof Date) return value.toISOString().slice(0, 19);
  return value.replace(' ', 'T').slice(0, 19);
}
