// Log lines of every process: one JSON object per line on stderr (stdout stays free for the
// commands' output), filtered by CASHFLOW_LOG_LEVEL. The Kafka client's own lines come through
// here too (clients/kafka.ts), never as its raw object dumps.
import type { LogLevel } from '../config/config.js';

export type { LogLevel };

export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Whether a line of `level` passes a `threshold` (error < warn < info < debug). */
export function passes(level: LogLevel, threshold: LogLevel): boolean {
  return RANK[level] <= RANK[threshold];
}

/** JSON lines on stderr at `threshold` and above. */
export function stderrLogAt(threshold: LogLevel): Log {
  return (level, message, fields) => {
    if (!passes(level, threshold)) return;
    process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level, message, ...fields })}\n`);
  };
}
