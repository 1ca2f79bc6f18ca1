// A job's chunk: at most API_JOB_CHUNK_SIZE cases and MAX_CHUNK_BYTES of their JSON text
// (cut by jobs/body-cutter.ts), one Kafka message on the API jobs topic (docs/api.md).
import type { JobChunk } from '../schemas/types.js';
import type { Topology } from '../topology/topology.js';

/** Chunks stay well under the broker's default 1 MB message size. */
export const MAX_CHUNK_BYTES = 800_000;

/** A chunk cut from the body: its ids and its text `{"<id>":<case>,…}` as UTF-8 bytes (ChunkText's). */
export interface CutChunk {
  ids: string[];
  /** Empty when the cutter makes none (BodyCutterOptions.bytes). */
  bytes: Buffer;
  /** Where its cases lie in the body (byte offsets): from its first id's opening quote to just after its last case. */
  start: number;
  end: number;
}

/** A chunk that brings its cases (JobChunk.cases); recalculation jobs of stored contracts have none. */
export type ApiJobChunk = JobChunk & { cases: string | null };

export interface ChunkText {
  ids: string[];
  /** `{"<id>":<case>,…}` */
  text: string;
}

/**
 * The Kafka message of a job's chunk `i`. Partitions are dealt round robin instead of hashed from
 * the key: hashing 160 keys over 12 partitions gave one worker a tenth more chunks than the other
 * and the job waited on it. Every declared partition exists (platform/topics.ts raises a topic to
 * its declared count, never lowers it).
 */
export function jobChunkMessage(
  topology: Topology,
  jobId: string,
  i: number,
  value: Buffer,
): { key: string; value: Buffer; partition: number } {
  return { key: `${jobId}|${i}`, value, partition: i % topology.topic('apiJobs').partitions };
}
