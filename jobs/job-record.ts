// A job as the store holds it (jobs/job-store.ts): its record parsed from its Redis hash, its
// progress, and a stored chunk's results as read. Pure.
import { isPacked, unpackResults, type PackedResults } from '../wire/packed-results.js';

export type JobStatusName = 'staged' | 'submitting' | 'queued' | 'running' | 'completed' | 'failed';

export interface JobRecord {
  jobId: string;
  status: JobStatusName;
  contractsTotal: number;
  chunks: number;
  chunksDone: number;
  contractsDone: number;
  createdAtMs: number;
  startedAtMs: number | null;
  completedAtMs: number | null;
  client: string;
  callbackUrl: string | null;
  callbackStatus: string | null;
  callbackAttempts: number;
  error: string | null;
}

/** A stored chunk as read: packed columns, or an earlier version's JSON text. */
export type ChunkResults = { packed: PackedResults } | { text: string };

/** A stored chunk, inflated: packed columns, or the JSON text of an earlier version's worker. */
export function readChunk(bytes: Buffer): ChunkResults {
  return isPacked(bytes) ? { packed: unpackResults(bytes) } : { text: bytes.toString('utf8') };
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function parseJob(jobId: string, h: Record<string, string>): JobRecord | undefined {
  if (!h || !h.status) return undefined;
  return {
    jobId,
    status: h.status as JobStatusName,
    contractsTotal: num(h.contractsTotal) ?? 0,
    chunks: num(h.chunks) ?? 0,
    chunksDone: num(h.chunksDone) ?? 0,
    contractsDone: num(h.contractsDone) ?? 0,
    createdAtMs: num(h.createdAtMs) ?? 0,
    startedAtMs: num(h.startedAtMs),
    completedAtMs: num(h.completedAtMs),
    client: h.client ?? '',
    callbackUrl: h.callbackUrl || null,
    callbackStatus: h.callbackStatus || null,
    callbackAttempts: num(h.callbackAttempts) ?? 0,
    error: h.error || null,
  };
}

export interface JobProgress {
  contractsPerSecond: number | null;
  etaSeconds: number | null;
}

/** Rate since the first chunk started, and the time left at that rate. */
export function progressOf(job: JobRecord, nowMs: number): JobProgress {
  if (!job.startedAtMs || job.contractsDone === 0) return { contractsPerSecond: null, etaSeconds: null };
  const end = job.completedAtMs ?? nowMs;
  const seconds = Math.max(0.001, (end - job.startedAtMs) / 1000);
  const rate = job.contractsDone / seconds;
  const left = job.contractsTotal - job.contractsDone;
  return {
    contractsPerSecond: Math.round(rate * 10) / 10,
    etaSeconds: left <= 0 ? 0 : Math.round((left / rate) * 10) / 10,
  };
}
