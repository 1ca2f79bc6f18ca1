// Processors by name. A new processor: its file exporting a ProcessorDefinition, an entry in
// topology/topology.ts (inputs, outputs, group) and one line here.
import type { ProcessorName } from '../topology/topology.js';
import type { ProcessorDefinition } from './processor.js';

const loaders: Record<ProcessorName, () => Promise<ProcessorDefinition>> = {
  'contract-ingest': async () => (await import('./contract-ingest.js')).contractIngest,
  'market-ingest': async () => (await import('./market-ingest.js')).marketIngest,
  'positions-ingest': async () => (await import('./positions-ingest.js')).positionsIngest,
  impact: async () => (await import('./impact.js')).impact,
  calculator: async () => (await import('./calculator.js')).calculator,
  sink: async () => (await import('./sink.js')).sink,
  'job-worker': async () => (await import('./job-worker.js')).jobWorker,
  // a new instance per process: its pending checks and rolling walk are its own
  verifier: async () => (await import('./verifier.js')).createVerifier(),
};

/** In data-flow order. */
export const PROCESSOR_NAMES = Object.keys(loaders) as ProcessorName[];

export function definitionOf(name: ProcessorName): Promise<ProcessorDefinition> {
  const load = loaders[name];
  if (!load) throw new Error(`unknown processor "${name}" (one of ${PROCESSOR_NAMES.join(', ')})`);
  return load();
}
