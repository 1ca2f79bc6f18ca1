// Asking the pipeline to recompute contracts: manual RecalcRequests on the recalc-requests
// topic, which impact and the calculator take like any other cause (docs/architecture.md).
// `cashflow recalc`, POST /v1/portfolios/{id}/recalc, the benchmarks and the chaos run send
// them; a portfolio's contracts come from the membership positions-ingest keeps.
import type { Producer } from '../clients/kafka.js';
import type { RecalcRequest } from '../schemas/types.js';
import { heldContracts, type StateReader } from '../state/model.js';

export function manualRequest(contractId: string, options: { asOf?: string | null; marketObjectCode?: string | null; jobId?: string | null } = {}): RecalcRequest {
  return {
    contractId,
    cause: 'manual',
    version: 0,
    marketObjectCode: options.marketObjectCode ?? null,
    asOf: options.asOf ?? null,
    jobId: options.jobId ?? null,
    requestedAtMs: Date.now(),
  };
}

/** Sends requests keyed by contract id; resolves once all are acknowledged (acks=all). */
export async function sendRecalcRequests(
  producer: Producer,
  topic: string,
  encode: (r: RecalcRequest) => Buffer,
  requests: readonly RecalcRequest[],
  chunk = 5_000,
): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < requests.length; i += chunk) {
    const messages = requests.slice(i, i + chunk).map((r) => ({ key: r.contractId, value: encode(r) }));
    sends.push(producer.send({ topic, messages }));
    // a few sends in flight (docs/operations.md)
    if (sends.length >= 4) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
}

/** The contracts held in a portfolio, by the membership state positions-ingest keeps (sorted). */
export async function portfolioContracts(state: StateReader, portfolioId: string): Promise<string[]> {
  return heldContracts((await state.holdings([portfolioId])).get(portfolioId) ?? []).sort();
}
