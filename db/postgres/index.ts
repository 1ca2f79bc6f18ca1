// PostgreSQL twin of the Database interface (local stack and CI). Bulk writes go through
// COPY FROM STDIN into session temp tables, then one set-based replace per batch
// (docs/operations.md "Writing results and moving records fast"). The class holds the pool and
// hands each method to the module of its kind: the sink's write (apply-results.ts), the reads of
// results (reads.ts) and of `cashflow verify` (verification-reads.ts), the source tables' writes
// (source-writes.ts), `db migrate` (migrate.ts) and `db check` (check.ts).
import type {
  ApplyOutcome,
  CashflowRow,
  CashflowVersion,
  CheckOptions,
  ContractResult,
  ContractRow,
  ContractSelection,
  Database,
  DatabaseCheck,
  DateRange,
  LadderBucket,
  LadderRow,
  MarketDataRow,
  MigrateOptions,
  MigrateOutcome,
  PositionCashflowRow,
  PositionRow,
  SourceContracts,
  StoredResults,
} from '../database.js';
import { oneCashflowVersion } from '../database.js';
import { applyResults } from './apply-results.js';
import { check } from './check.js';
import { PostgresPool } from './connection.js';
import { migrate } from './migrate.js';
import * as reads from './reads.js';
import * as sourceWrites from './source-writes.js';
import * as verificationReads from './verification-reads.js';

export { postgresChecks, type PostgresFacts } from './check.js';
export { databaseName, standaloneClient } from './connection.js';
export { CopyFormatError, decodeCashflowCopy, secondOfPgTimestamp } from './copy-read.js';
export { databaseError, isTransientPgError, pgTlsProblem } from './errors.js';
export { DEFAULT_PUBLICATION } from './migrate.js';
export { dropDatabase, dropReplicationSlot } from './server.js';
export { literalSelectionWhere } from './verification-reads.js';

export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly name: string;
  private readonly pool: PostgresPool;

  constructor(url: string, options: { max?: number; applicationName?: string } = {}) {
    this.pool = new PostgresPool(url, options);
    this.name = this.pool.name;
  }

  migrate(options: MigrateOptions = {}): Promise<MigrateOutcome> {
    return migrate(this.pool, options);
  }

  applyResults(batch: readonly ContractResult[]): Promise<ApplyOutcome> {
    return applyResults(this.pool, batch);
  }

  contractCashflows(contractId: string): Promise<CashflowRow[]> {
    return reads.contractCashflows(this.pool, contractId);
  }

  cashflowVersion(contractId: string): Promise<CashflowVersion | null> {
    return oneCashflowVersion(this, contractId);
  }

  cashflowVersions(contractIds: readonly string[]): Promise<CashflowVersion[]> {
    return reads.cashflowVersions(this.pool, contractIds);
  }

  portfolioCashflows(portfolioId: string, range: DateRange = {}): Promise<PositionCashflowRow[]> {
    return reads.portfolioCashflows(this.pool, portfolioId, range);
  }

  cashflowLadder(portfolioId: string, bucket: LadderBucket, range: DateRange = {}): Promise<LadderRow[]> {
    return reads.cashflowLadder(this.pool, portfolioId, bucket, range);
  }

  portfolioContractIds(portfolioId: string): Promise<string[]> {
    return reads.portfolioContractIds(this.pool, portfolioId);
  }

  sampleContractIds(n: number): Promise<string[]> {
    return reads.sampleContractIds(this.pool, n);
  }

  upsertContracts(rows: readonly ContractRow[]): Promise<void> {
    return sourceWrites.upsertContracts(this.pool, rows);
  }

  deleteContracts(contractIds: readonly string[]): Promise<void> {
    return sourceWrites.deleteContracts(this.pool, contractIds);
  }

  upsertPositions(rows: readonly PositionRow[]): Promise<void> {
    return sourceWrites.upsertPositions(this.pool, rows);
  }

  upsertMarketData(rows: readonly MarketDataRow[]): Promise<void> {
    return sourceWrites.upsertMarketData(this.pool, rows);
  }

  verificationIds(after: string | null, limit: number): Promise<string[]> {
    return verificationReads.verificationIds(this.pool, after, limit);
  }

  sourceContracts(selection: ContractSelection): Promise<SourceContracts> {
    return verificationReads.sourceContracts(this.pool, selection);
  }

  marketData(codes: readonly string[]): Promise<MarketDataRow[]> {
    return verificationReads.marketData(this.pool, codes);
  }

  storedResults(selection: ContractSelection): Promise<StoredResults> {
    return verificationReads.storedResults(this.pool, selection);
  }

  /** `cashflow db check` (see postgresChecks). */
  check(options: CheckOptions = {}): Promise<DatabaseCheck[]> {
    return check(this.pool, options);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
