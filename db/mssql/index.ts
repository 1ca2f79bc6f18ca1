// SQL Server twin of the Database interface (production): the connection and its typed errors
// (connection.ts, errors.ts), the T-SQL of the tables (tsql.ts) and the bulk loads into its
// #temp staging tables (bulk.ts), what it writes (writes.ts) and reads (reads.ts), `db migrate`
// with CDC (migrate.ts) and `db check` (check.ts).
import type {
  ApplyOutcome,
  CashflowRow,
  CashflowVersion,
  ContractResult,
  ContractRow,
  ContractSelection,
  Database,
  DatabaseCheck,
  DateRange,
  LadderBucket,
  LadderRow,
  MarketDataRow,
  MigrateOutcome,
  PositionCashflowRow,
  PositionRow,
  SourceContracts,
  StoredResults,
} from '../database.js';
import { oneCashflowVersion } from '../database.js';
import { check } from './check.js';
import { MssqlConnection } from './connection.js';
import { migrate } from './migrate.js';
import * as reads from './reads.js';
import * as writes from './writes.js';

export { assertBulkValues, BULK, BulkValueError, type BulkColumn } from './bulk.js';
export { mssqlChecks, readMssqlFacts, RUNTIME_PERMISSIONS, TSQL_CHECK, type MssqlFacts } from './check.js';
export { mssqlConfig } from './connection.js';
export {
  classifyMssqlError,
  isTransientMssqlError,
  MSSQL_ERROR_CODES,
  MSSQL_ERROR_NUMBERS,
  mssqlFailure,
  type MssqlFailure,
  type MssqlFailureKind,
} from './errors.js';
export { MIGRATION_LOCK, MigrationLockError, TSQL_ADMIN } from './migrate.js';
export { ID_COLLATION, ID_LENGTH, TSQL } from './tsql.js';

export class MssqlDatabase implements Database {
  readonly dialect = 'mssql' as const;
  readonly name: string;
  private readonly db: MssqlConnection;

  constructor(url: string) {
    this.db = new MssqlConnection(url);
    this.name = this.db.name;
  }

  migrate(): Promise<MigrateOutcome> {
    return migrate(this.db);
  }

  applyResults(batch: readonly ContractResult[]): Promise<ApplyOutcome> {
    return writes.applyResults(this.db, batch);
  }

  contractCashflows(contractId: string): Promise<CashflowRow[]> {
    return reads.contractCashflows(this.db, contractId);
  }

  cashflowVersion(contractId: string): Promise<CashflowVersion | null> {
    return oneCashflowVersion(this, contractId);
  }

  cashflowVersions(contractIds: readonly string[]): Promise<CashflowVersion[]> {
    return reads.cashflowVersions(this.db, contractIds);
  }

  portfolioCashflows(portfolioId: string, range?: DateRange): Promise<PositionCashflowRow[]> {
    return reads.portfolioCashflows(this.db, portfolioId, range);
  }

  cashflowLadder(portfolioId: string, bucket: LadderBucket, range?: DateRange): Promise<LadderRow[]> {
    return reads.cashflowLadder(this.db, portfolioId, bucket, range);
  }

  upsertContracts(rows: readonly ContractRow[]): Promise<void> {
    return writes.upsertContracts(this.db, rows);
  }

  deleteContracts(contractIds: readonly string[]): Promise<void> {
    return writes.deleteContracts(this.db, contractIds);
  }

  upsertPositions(rows: readonly PositionRow[]): Promise<void> {
    return writes.upsertPositions(this.db, rows);
  }

  upsertMarketData(rows: readonly MarketDataRow[]): Promise<void> {
    return writes.upsertMarketData(this.db, rows);
  }

  verificationIds(after: string | null, limit: number): Promise<string[]> {
    return reads.verificationIds(this.db, after, limit);
  }

  sourceContracts(selection: ContractSelection): Promise<SourceContracts> {
    return reads.sourceContracts(this.db, selection);
  }

  marketData(codes: readonly string[]): Promise<MarketDataRow[]> {
    return reads.marketData(this.db, codes);
  }

  storedResults(selection: ContractSelection): Promise<StoredResults> {
    return reads.storedResults(this.db, selection);
  }

  portfolioContractIds(portfolioId: string): Promise<string[]> {
    return reads.portfolioContractIds(this.db, portfolioId);
  }

  sampleContractIds(n: number): Promise<string[]> {
    return reads.sampleContractIds(this.db, n);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** `cashflow db check` (see mssqlChecks). */
  check(): Promise<DatabaseCheck[]> {
    return check(this.db);
  }
}
