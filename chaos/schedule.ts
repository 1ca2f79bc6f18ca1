// The chaos run's plan, decided before anything runs and from the seed alone (pure): which
// faults, in which order, how long apart, which processor each kill hits; and which malformed
// rows go into which source table among the valid changes, with the reason the pipeline must
// give when it dead-letters each. The same seed gives the same plan, so a failing run can be
// repeated.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ProcessorName } from '../topology/topology.js';

/** Every processor kind the chaos run kills at least once (topology/topology.ts). */
export const KILLED_KINDS: readonly ProcessorName[] = ['contract-ingest', 'market-ingest', 'positions-ingest', 'impact', 'calculator', 'sink', 'job-worker', 'verifier'];

export type Fault =
  | { kind: 'processor-kill'; processor: ProcessorName }
  | { kind: 'broker-kill' }
  | { kind: 'redis-flush' }
  | { kind: 'redis-restart' }
  | { kind: 'registry-down'; downSeconds: number }
  | { kind: 'connect-kill' }
  | { kind: 'connector-task-failed' }
  | { kind: 'sink-database-down'; downSeconds: number }
  | { kind: 'source-database-restart' };

export type FaultKind = Fault['kind'];

export const INFRASTRUCTURE_FAULTS: readonly Exclude<FaultKind, 'processor-kill'>[] = [
  'broker-kill',
  'redis-flush',
  'redis-restart',
  'registry-down',
  'connect-kill',
  'connector-task-failed',
  'sink-database-down',
  'source-database-restart',
];

export interface ScheduledFault {
  /** Seconds to wait after the previous fault was undone (or the storm began) before this one. */
  gapSeconds: number;
  fault: Fault;
}

export interface FaultPlanOptions {
  seed: number;
  /** Processor kills in all, at least one of every kind (KILLED_KINDS). */
  kills: number;
  /** The other faults to inject (each once). */
  infrastructure: readonly Exclude<FaultKind, 'processor-kill'>[];
  /** How long the registry and the sink database stay down. */
  downSeconds: number;
  /** Gaps between faults are drawn from [min, max] seconds. */
  gapSeconds: [min: number, max: number];
}

/** A seeded random source: the one place the plan draws from. */
export class Draw {
  private readonly rng;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** The items in a random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

export function faultPlan(o: FaultPlanOptions): ScheduledFault[] {
  if (o.kills < KILLED_KINDS.length) throw new RangeError(`--kills must be at least ${KILLED_KINDS.length} (one of every processor kind), got ${o.kills}`);
  const draw = new Draw(o.seed);
  const kills: Fault[] = KILLED_KINDS.map((processor) => ({ kind: 'processor-kill', processor }));
  for (let i = KILLED_KINDS.length; i < o.kills; i++) kills.push({ kind: 'processor-kill', processor: draw.pick(KILLED_KINDS) });
  const others: Fault[] = o.infrastructure.map((kind) =>
    kind === 'registry-down' || kind === 'sink-database-down' ? { kind, downSeconds: o.downSeconds } : ({ kind } as Fault),
  );
  return draw.shuffle([...kills, ...others]).map((fault) => ({ gapSeconds: draw.int(o.gapSeconds[0], o.gapSeconds[1]), fault }));
}

/** One line for the log: `SIGKILL calculator`, `registry down 30 s`. */
export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'processor-kill':
      return `SIGKILL ${f.processor} (restarted as a supervisor would)`;
    case 'broker-kill':
      return 'broker SIGKILL + restart';
    case 'redis-flush':
      return 'Redis FLUSHALL';
    case 'redis-restart':
      return 'Redis restart without persistence (comes back empty)';
    case 'registry-down':
      return `schema registry down ${f.downSeconds} s`;
    case 'connect-kill':
      return 'Kafka Connect worker SIGKILL + restart';
    case 'connector-task-failed':
      return 'connector task FAILED (its replication connection terminated), restarted through the REST API';
    case 'sink-database-down':
      return `database under the sink down ${f.downSeconds} s`;
    case 'source-database-restart':
      return 'source database restarted (immediate shutdown: a crash)';
  }
}

// ------------------------------------------------------------------ malformed rows

export type SourceTable = 'contracts' | 'market_data' | 'observed_events' | 'positions';

/** A source row the pipeline must refuse; `reason` is what its dead letter must say. */
export type MalformedRow =
  | { table: 'contracts'; id: string; contractId: string; contractType: string; terms: string; reason: RegExp }
  | { table: 'market_data'; id: string; marketObjectCode: string; observedAt: string; value: 'NaN' | 'Infinity' | '-Infinity'; reason: RegExp }
  | { table: 'observed_events'; id: string; contractId: string; eventType: string; observedAt: string; value: string | null; states: string | null; reason: RegExp }
  | { table: 'positions'; id: string; positionId: string; portfolioId: string; contractId: string; quantity: 'NaN' | 'Infinity'; reason: RegExp };

/**
 * Tables whose rows the pipeline reads: a malformed row there must become a dead letter. Every
 * source table is read (positions by positions-ingest, for the portfolio membership).
 */
export const DEAD_LETTERED_TABLES: ReadonlySet<SourceTable> = new Set(['contracts', 'market_data', 'observed_events', 'positions']);

/** The identity of a source row, as the dead letters are matched to it: `<table>/<primary key>`. */
export function rowIdentity(table: string, key: readonly (string | number)[]): string {
  return `${table}/${key.join('|')}`;
}

export interface MalformedRowsOptions {
  seed: number;
  count: number;
  /** Valid contract ids (observed events hang on them) and one of their terms to corrupt. */
  contract: (i: number) => { id: string; type: string; terms: Record<string, string> };
  contracts: number;
  /** Market object codes the book depends on (malformed observations land among the real ones). */
  codes: readonly string[];
}

function isoSecond(base: number, k: number): string {
  return new Date(base + k * 1000).toISOString().slice(0, 19);
}

/**
 * `count` malformed rows, over contracts, market_data, observed_events and positions in about
 * equal parts, each of a kind drawn from its table's kinds. Keys are unique (a row is written
 * once), timestamps whole seconds (the CDC decoder's ISO form matches them exactly).
 */
export function malformedRows(o: MalformedRowsOptions): MalformedRow[] {
  const draw = new Draw(o.seed ^ 0x5eed);
  const tables: SourceTable[] = ['contracts', 'market_data', 'observed_events', 'positions'];
  // 2031 onwards: after every observation the book and its ticks write (none collide)
  const base = Date.UTC(2031, 0, 1);
  const out: MalformedRow[] = [];
  for (let k = 0; k < o.count; k++) {
    const table = tables[k % tables.length];
    const n = String(k).padStart(6, '0');
    switch (table) {
      case 'contracts': {
        const c = o.contract(draw.int(0, o.contracts - 1));
        const contractId = `chaos-bad-${n}`;
        const terms = { ...c.terms, contractID: contractId };
        const kind = draw.int(0, 4);
        const row = (contractType: string, text: string, reason: RegExp): MalformedRow => ({ table, id: rowIdentity(table, [contractId]), contractId, contractType, terms: text, reason });
        if (kind === 0) out.push(row(c.type, JSON.stringify(terms).slice(0, 40), /are not JSON/));
        else if (kind === 1) out.push(row(c.type, JSON.stringify([terms]), /not a JSON object/));
        else if (kind === 2) out.push(row('XYZ', JSON.stringify({ ...terms, contractType: 'XYZ' }), /contractType: unknown value "XYZ"/));
        else if (kind === 3) out.push(row(c.type === 'PAM' ? 'ANN' : 'PAM', JSON.stringify(terms), /contract_type column .* differs from terms contractType/));
        else out.push(row(c.type, JSON.stringify({ ...terms, maturityDate: '2001-01-01T00:00:00' }), /maturity date before initial exchange date/));
        break;
      }
      case 'market_data': {
        const code = draw.pick(o.codes);
        const observedAt = isoSecond(base, k);
        const value = draw.pick(['NaN', 'Infinity', '-Infinity'] as const);
        out.push({ table, id: rowIdentity(table, [code, observedAt]), marketObjectCode: code, observedAt, value, reason: /not a finite number/ });
        break;
      }
      case 'observed_events': {
        const contractId = o.contract(draw.int(0, o.contracts - 1)).id;
        const observedAt = isoSecond(base, k);
        const eventType = 'CE';
        const badStates = draw.int(0, 1) === 0;
        out.push({
          table,
          id: rowIdentity(table, [contractId, eventType, observedAt]),
          contractId,
          eventType,
          observedAt,
          value: badStates ? '1' : 'NaN',
          states: badStates ? '{"notionalPrincipal":' : null,
          reason: badStates ? /states are not JSON/ : /not a finite number/,
        });
        break;
      }
      case 'positions': {
        const positionId = `chaos-bad-position-${n}`;
        const quantity = draw.pick(['NaN', 'Infinity'] as const);
        out.push({ table, id: rowIdentity(table, [positionId]), positionId, portfolioId: 'CHAOS-BAD', contractId: `chaos-no-such-contract-${n}`, quantity, reason: /with quantity (NaN|Infinity): not a finite number/ });
        break;
      }
    }
  }
  return draw.shuffle(out);
}
