// Where a batch's span belongs (OpenTelemetry messaging conventions, "Batch processing": a span
// that handles many messages links to the contexts they carry). Pure.
//
// One trace should run from a source commit to the sink's transaction, so a batch's span is the
// child of one of its records' contexts: the first sampled one, so that a sampled trace is
// never cut short by an unsampled record ahead of it in the batch. Every other distinct sampled
// context is a link. A fan-out (one market tick → 1,000 recalc requests) therefore gives the
// tick's span one child per downstream batch, never one per request: the requests all carry
// the one context of the batch that sent them, and a batch that mixes requests of several
// ticks links to the others. Unsampled contexts are never exported, so they are not linked.
import { TraceFlags, type Link, type SpanContext } from '@opentelemetry/api';

/** Links kept per span; more would make a span of a 1,000-record batch larger than its work. */
export const MAX_BATCH_LINKS = 128;

export interface BatchPlacement {
  /** The span context the batch's span is a child of (undefined: a new trace). */
  parent?: SpanContext;
  links: Link[];
  /** Distinct sampled contexts beyond MAX_BATCH_LINKS, counted, not linked. */
  droppedLinks: number;
}

const isSampled = (c: SpanContext) => (c.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;

export function placeBatch(
  contexts: Iterable<SpanContext | undefined>,
  maxLinks = MAX_BATCH_LINKS,
): BatchPlacement {
  let parent: SpanContext | undefined;
  let firstUnsampled: SpanContext | undefined;
  const seen = new Set<string>();
  const links: Link[] = [];
  let droppedLinks = 0;
  let previous: SpanContext | undefined;
  for (const c of contexts) {
    // a run of one context (a fan-out's records, read once: spanContextsOfHeaders) is seen once
    if (!c || c === previous) continue;
    previous = c;
    if (!isSampled(c)) {
      firstUnsampled ??= c;
      continue;
    }
    const id = `${c.traceId}/${c.spanId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!parent) parent = c;
    else if (links.length < maxLinks) links.push({ context: c });
    else droppedLinks++;
  }
  // no sampled context: the batch follows the first record's decision (parent-based sampling)
  return { parent: parent ?? firstUnsampled, links, droppedLinks };
}
