// Processors by name. A new processor: its file exporting a ProcessorDefinition, an entry in
// topology/topology.ts (inputs, outputs, group) and one line here.
import type { ProcessorName } from '../topology/topology.js';
import { calculator } from './calculator.js';
import { contractIngest } from './contract-ingest.js';
import { impact } from './impact.js';
import { jobWorker } from './job-worker.js';
import { marketIngest } from './market-ingest.js';
import { positionsIngest } from './positions-ingest.js';
import type { ProcessorDefinition } from './processor.js';
import { sink } from './sink.js';
import { createVerifier } from './verifier.js';

const definitions: Record<ProcessorName, () => ProcessorDefinition> = {
  'contract-ingest': () => contractIngest,
  'market-ingest': () => marketIngest,
  'positions-ingest': () => positionsIngest,
  impact: () => impact,
  calculator: () => calculator,
  sink: () => sink,
  'job-worker': () => jobWorker,
  // a new instance per process: its pending checks and rolling walk are its own
  verifier: () => createVerifier(),
};

/** In data-flow order. */
export const PROCESSOR_NAMES = Object.keys(definitions) as ProcessorName[];

export function definitionOf(name: ProcessorName): ProcessorDefinition {
  const definition = definitions[name];
  if (!definition) throw new Error(`unknown processor "${name}" (one of ${PROCESSOR_NAMES.join(', ')})`);
  return definition();
}
