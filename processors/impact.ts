// impact: which contracts does this change touch? It keeps the dependency index (from the
// engine's dependenciesOf) and turns changes into recalc requests keyed by contract id:
//   terms of X changed       → X, and every contract that references X
//   observation of code C    → every contract that depends on C
//   job chunk of stored contracts → each contract id of the chunk (the API's jobs, which bring
//                            their own cases, are on a topic of their own: the job-worker's)
import { dependencyKeys } from '../state/observer.js';
import type { JobEvent, RecalcCause, RecalcRequest } from '../schemas/types.js';
import { emptyWrites, type DependencyLinks } from '../state/model.js';
import type { BatchOutcome, OutputRecord, ProcessorDefinition, Rejection } from './processor.js';
import { avroValue } from './processor.js';


class Requests {
  readonly byContract = new Map<string, RecalcRequest>();
  add(contractId: string, cause: RecalcCause, version: number, requestedAtMs: number, extra: Partial<RecalcRequest> = {}): void {
    const cur = this.byContract.get(contractId);
    if (cur) {
      // one request per contract and batch: the calculator reads the newest state anyway
      cur.version = Math.max(cur.version, version);
      cur.requestedAtMs = Math.min(cur.requestedAtMs, requestedAtMs);
      return;
    }
    this.byContract.set(contractId, {
      contractId,
      cause,
      version,
      marketObjectCode: null,
      asOf: null,
      jobId: null,
      requestedAtMs,
      ...extra,
    });
  }
}

export const impact: ProcessorDefinition = {
  name: 'impact',
  // The index is written before the requests go out: an observation processed in parallel on
  // another partition then finds the contract among the dependents of its code.
  stateOrder: 'before-outputs',
  async process(records, ctx): Promise<BatchOutcome> {
    const deadLetters: Rejection[] = [];
    const outputs: OutputRecord[] = [];
    const requests = new Requests();
    const writes = emptyWrites();

    // Terms: the latest per contract in this batch.
    const terms = new Map<string, { deps: string[]; version: number; sourceTsMs: number }>();
    const codes = new Map<string, { version: number; sourceTsMs: number }>();
    for (const r of records) {
      const t = avroValue(r, 'contractTerms');
      if (t) {
        try {
          terms.set(t.contractId, { deps: dependencyKeys(t.terms, t.deleted), version: t.version, sourceTsMs: t.sourceTsMs });
        } catch (e) {
          deadLetters.push({ record: r, reason: `terms of ${t.contractId}: ${(e as Error).message}`, errorType: (e as Error).name });
        }
        continue;
      }
      const o = avroValue(r, 'marketObservations');
      if (o) {
        const cur = codes.get(o.marketObjectCode);
        codes.set(o.marketObjectCode, {
          version: Math.max(cur?.version ?? 0, o.version),
          sourceTsMs: Math.min(cur?.sourceTsMs ?? Infinity, o.sourceTsMs),
        });
        continue;
      }
      const job = avroValue(r, 'jobs');
      // an API job's chunk (its own `cases`) left on this topic by a version before 0.8.0, which
      // put them here: the job-worker's, not a recalculation
      if (job && !job.cases) {
        for (const id of job.contractIds) requests.add(id, 'job', 0, job.requestedAtMs, { jobId: job.jobId, asOf: job.asOf });
        const progress: JobEvent = {
          jobId: job.jobId,
          type: 'progress',
          contractsTotal: null,
          contractsDone: null,
          message: `chunk ${job.chunk + 1}/${job.chunks}: ${job.contractIds.length} contracts requested`,
          atMs: ctx.now(),
        };
        outputs.push({ topic: 'jobEvents', key: job.jobId, value: progress });
      }
    }

    const ids = [...terms.keys()];
    const [previous, dependents] = await Promise.all([
      ctx.state.dependenciesOfContracts(ids),
      ctx.state.dependents([...ids, ...codes.keys()]),
    ]);
    for (const [id, t] of terms) {
      const before = previous.get(id) ?? [];
      const now = new Set(t.deps);
      const links: DependencyLinks = { contractId: id, dependencies: t.deps, removed: before.filter((k) => !now.has(k)) };
      if (links.removed.length || before.length !== t.deps.length || t.deps.some((k) => !before.includes(k))) writes.links.push(links);
      requests.add(id, 'terms', t.version, t.sourceTsMs);
      for (const d of dependents.get(id) ?? []) if (d !== id) requests.add(d, 'dependency', t.version, t.sourceTsMs);
    }
    for (const [code, o] of codes) {
      for (const d of dependents.get(code) ?? []) requests.add(d, 'market', o.version, o.sourceTsMs, { marketObjectCode: code });
    }
    for (const req of requests.byContract.values()) outputs.push({ topic: 'recalcRequests', key: req.contractId, value: req });
    return { outputs, writes, deadLetters };
  },
};
