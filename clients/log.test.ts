import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager, type SpanContext } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logOf, passes, pinoLogger, traceFields, withFields, type Log } from './log.js';

/** A Log whose lines land in `lines`, parsed. */
function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): { log: Log; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: logOf(pinoLogger(level, sink)), lines };
}

const span: SpanContext = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceFlags: TraceFlags.SAMPLED };

/**
 * The API's contract for a context manager, synchronous only: enough for `context.with` in a
 * test without the tracing SDK (which registers the real, async one).
 */
class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const before = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = before;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

describe('log lines', () => {
  beforeAll(() => context.setGlobalContextManager(new SyncContextManager()));
  afterAll(() => {
    context.disable();
  });

  it('are one JSON object with time, level in words, message and the fields operators filter by', () => {
    const { log, lines } = capture();
    withFields(log, { processor: 'calculator', topic: 'cashflow.recalc-requests', partition: 3 })('warn', 'poison input', { offset: '42', contractId: 'PAM-7' });
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line).toMatchObject({ level: 'warn', message: 'poison input', processor: 'calculator', topic: 'cashflow.recalc-requests', partition: 3, offset: '42', contractId: 'PAM-7', pid: process.pid });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    expect(line).not.toHaveProperty('traceId'); // no span active
  });

  it('carry the active trace and span ids', () => {
    const { log, lines } = capture();
    context.with(trace.setSpanContext(context.active(), span), () => log('info', 'batch held'));
    log('info', 'outside');
    expect(lines[0]).toMatchObject({ traceId: span.traceId, spanId: span.spanId, message: 'batch held' });
    expect(lines[1]).not.toHaveProperty('traceId');
    expect(context.with(trace.setSpanContext(context.active(), span), traceFields)).toEqual({ traceId: span.traceId, spanId: span.spanId });
  });

  it('below the threshold are not written', () => {
    const { log, lines } = capture('warn');
    log('info', 'hidden');
    log('debug', 'hidden');
    log('error', 'shown');
    expect(lines.map((l) => l.message)).toEqual(['shown']);
    expect([passes('warn', 'info'), passes('debug', 'info')]).toEqual([true, false]);
  });
});
