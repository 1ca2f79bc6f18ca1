// The .avsc files of schemas/avro/, by record name. Pure: reads files, no registry.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { repoFile } from '../config/repo-file.js';
import type { RecordName, RecordTypes } from './types.js';

/** Record name → file in schemas/avro/. */
export const AVRO_FILES: Readonly<Record<RecordName, string>> = {
  ContractTerms: 'contract-terms.avsc',
  MarketObservation: 'market-observation.avsc',
  Position: 'position.avsc',
  RecalcRequest: 'recalc-request.avsc',
  ContractCashflows: 'contract-cashflows.avsc',
  DeadLetter: 'dead-letter.avsc',
  JobChunk: 'job-chunk.avsc',
  JobEvent: 'job-event.avsc',
};

export const RECORD_NAMES = Object.keys(AVRO_FILES) as RecordName[];

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: { name: string; type: unknown; default?: unknown; doc?: string }[];
}

const cache = new Map<RecordName, AvroRecordSchema>();

export function avroSchema(name: RecordName): AvroRecordSchema {
  let schema = cache.get(name);
  if (!schema) {
    schema = JSON.parse(
      readFileSync(repoFile('schemas', 'avro', AVRO_FILES[name]), 'utf8'),
    ) as AvroRecordSchema;
    if (schema.name !== name)
      throw new Error(`${AVRO_FILES[name]} declares ${schema.name}, expected ${name}`);
    cache.set(name, schema);
  }
  return schema;
}

const types = new Map<RecordName, avro.Type>();

/** The avsc type of a record, for local validation and schemaless encoding in tests. */
export function avroType<N extends RecordName>(name: N): avro.Type & { _record?: RecordTypes[N] } {
  let t = types.get(name);
  if (!t) {
    t = avro.Type.forSchema(avroSchema(name) as avro.Schema);
    types.set(name, t);
  }
  return t;
}

/** Full name as registered, e.g. `cashflow.ContractCashflows`. */
export function fullName(name: RecordName): string {
  const s = avroSchema(name);
  return s.namespace ? `${s.namespace}.${s.name}` : s.name;
}
