// Log lines of every process: one JSON object per line on stderr (stdout stays free for the
// commands' output), through pino, filtered by CASHFLOW_LOG_LEVEL; `--log pretty`
// (CASHFLOW_LOG_FORMAT=pretty) prints them for people instead. Each line carries the active
// trace id (and span id) when a span is active, so a line leads to its trace (docs/monitoring.md,
// "Logs"), and the fields operators filter by: processor, topic, partition, offset, contractId.
// The Kafka client's own lines come through here too (clients/kafka.ts), never as its raw
// object dumps.
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config/config.js';

export type { LogFormat, LogLevel };

export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Whether a line of `level` passes a `threshold` (error < warn < info < debug). */
export function passes(level: LogLevel, threshold: LogLevel): boolean {
  return RANK[level] <= RANK[threshold];
}

/** The active span's trace and span ids (W3C hex), when an OpenTelemetry span is active. */
export function traceFields(): { traceId?: string; spanId?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : {};
}

/** The pino logger every Log writes through: `message` and `level` in words, ISO `time`. */
export function pinoLogger(level: LogLevel, destination: DestinationStream): Logger {
  return pino(
    {
      level,
      messageKey: 'message',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
    },
    destination,
  );
}

/** A Log over a pino logger. */
export function logOf(logger: Logger): Log {
  return (level, message, fields) => {
    if (!logger.isLevelEnabled(level)) return;
    if (fields) logger[level](fields, message);
    else logger[level](message);
  };
}

/** For people (`--log pretty`): pino-pretty, loaded only then. */
function prettyStderr(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
  return pretty({ destination: 2, sync: true, messageKey: 'message', translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid', colorize: process.stderr.isTTY });
}

const stderrLoggers = new Map<string, Logger>();

/**
 * The pino logger of lines on stderr at `threshold` and above, as JSON or pretty: one per
 * level and format in a process (the API hands it to Fastify for its request lines). Written
 * synchronously: a command's last lines before it exits are not lost; nothing logs per record
 * at info.
 */
export function stderrLogger(threshold: LogLevel, format: LogFormat = 'json'): Logger {
  const key = `${threshold}/${format}`;
  let logger = stderrLoggers.get(key);
  if (!logger) {
    const destination = format === 'pretty' ? prettyStderr() : pino.destination({ fd: 2, sync: true });
    stderrLoggers.set(key, (logger = pinoLogger(threshold, destination)));
  }
  return logger;
}

/** Lines on stderr at `threshold` and above, as JSON or pretty. */
export function stderrLogAt(threshold: LogLevel, format: LogFormat = 'json'): Log {
  return logOf(stderrLogger(threshold, format));
}

/** The process's log as configured (CASHFLOW_LOG_LEVEL, else `fallback`; CASHFLOW_LOG_FORMAT). */
export function configuredLog(clients: { logLevel?: LogLevel; logFormat?: LogFormat }, fallback: LogLevel): Log {
  return stderrLogAt(clients.logLevel ?? fallback, clients.logFormat ?? 'json');
}

/** `log` with `fields` on each of its lines (a runner's processor name, a partition). */
export function withFields(log: Log, fields: Record<string, unknown>): Log {
  return (level, message, more) => log(level, message, more ? { ...fields, ...more } : fields);
}
