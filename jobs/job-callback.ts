// A job's end POSTed to its callback URL (docs/api.md): by the worker that stores its last chunk
// (or fails it), before the completed event goes out, with retries; the outcome is recorded on
// the job. A crash before it is recorded redelivers the chunk, which finds the job complete and
// tries the callback again (at least once); the claim in the job store keeps two workers from
// posting it at the same time.
import { loadConfig, type CallbackConfig } from '../config/config.js';
import { stderrLogAt, type Log } from '../clients/log.js';
import { BreakerOpenError, type Breakers } from '../clients/breaker.js';
import { CallbackAddresses } from './callback-address.js';
import { CallbackRefusedError, postCallback } from './callback-delivery.js';
import type { JobRecord, JobStore } from './job-store.js';

const CALLBACK_ATTEMPTS = 5;
const CALLBACK_TIMEOUT_MS = 5_000;
/** Longest wait between attempts for an open breaker: every attempt fits the callback's claim (120 s). */
const MAX_CALLBACK_WAIT_MS = 15_000;

let callbackSettings: CallbackConfig | undefined;

/**
 * POSTs the job's end to its callback URL, signed, to an allowed address only
 * (jobs/callback-delivery.ts); returns the attempts made and whether one succeeded. Without
 * API_CALLBACK_SECRET, or to an address a rule refuses, nothing is sent and nothing retried.
 */
export async function deliverCallback(
  job: JobRecord,
  status: 'completed' | 'failed',
  options: {
    attempts?: number;
    initialDelayMs?: number;
    callbacks?: CallbackConfig;
    log?: Log;
    /** The process's breakers: the callbacks' receivers get one each (clients/breaker.ts). */
    breakers?: Breakers;
  } = {},
): Promise<{ delivered: boolean; attempts: number }> {
  const attempts = options.attempts ?? CALLBACK_ATTEMPTS;
  const settings = options.callbacks ?? (callbackSettings ??= loadConfig(process.env, ['api.callbacks']).api.callbacks);
  const log = options.log ?? stderrLogAt('info');
  if (!settings.secret) {
    log('warn', 'callback not sent: callbacks are signed with API_CALLBACK_SECRET, which is not set', { jobId: job.jobId });
    return { delivered: false, attempts: 0 };
  }
  const post = {
    secret: settings.secret,
    addresses: new CallbackAddresses(settings),
    timeoutMs: CALLBACK_TIMEOUT_MS,
    headers: { 'x-cashflow-job': job.jobId },
  };
  const body = JSON.stringify({
    jobId: job.jobId,
    status,
    contracts: job.contractsTotal,
    contractsDone: job.contractsDone,
    completedAt: job.completedAtMs ? new Date(job.completedAtMs).toISOString() : null,
    error: job.error,
    resultUrl: `/v1/jobs/${job.jobId}/result`,
  });
  // one breaker per receiver (its origin): a receiver that is down is not waited for on every
  // job's attempts, one timeout each while the job-worker's partition waits, and others are not held
  const breaker = options.breakers?.of('callbacks', new URL(job.callbackUrl!).origin, (e) => !(e instanceof CallbackRefusedError));
  const send = async () => {
    const answer = await postCallback(job.callbackUrl!, body, post);
    if (answer >= 500 || answer === 408 || answer === 429) throw new ReceiverBusyError(answer);
    return answer;
  };
  let delay = options.initialDelayMs ?? 250;
  let wait = delay;
  for (let n = 1; n <= attempts; n++) {
    wait = delay;
    try {
      const answer = await (breaker ? breaker.execute(send) : send());
      if (answer >= 200 && answer < 300) return { delivered: true, attempts: n };
      // 3xx (redirects are not followed) and 4xx other than 408/429: retrying will not change it
      return { delivered: false, attempts: n };
    } catch (e) {
      if (e instanceof CallbackRefusedError) {
        log('warn', `callback not sent: ${e.message}`, { jobId: job.jobId });
        return { delivered: false, attempts: n };
      }
      if (e instanceof BreakerOpenError) {
        // nothing sent: the receiver failed repeatedly a moment ago; try when the breaker lets one through
        wait = Math.min(Math.max(delay, e.halfOpenInMs), MAX_CALLBACK_WAIT_MS);
        if (n === attempts) log('warn', 'callback not sent: the receiver failed repeatedly and its circuit breaker is open', { jobId: job.jobId, attempts });
      }
      // a 5xx, 408 or 429, a network error or a timeout: retry
    }
    if (n < attempts) await new Promise((r) => setTimeout(r, wait));
    delay *= 4;
  }
  return { delivered: false, attempts };
}

/** A receiver's answer that asks to be tried again (5xx, 408, 429): a failure for its breaker. */
class ReceiverBusyError extends Error {
  constructor(readonly status: number) {
    super(`callback receiver answered ${status}`);
    this.name = 'ReceiverBusyError';
  }
}

/** The job's callback, unless it has none, it was delivered or given up, or another worker is delivering it. */
export async function callBack(
  jobs: JobStore,
  job: JobRecord,
  type: 'completed' | 'failed',
  nowMs: number,
  breakers?: Breakers,
): Promise<void> {
  if (!job.callbackUrl || job.callbackStatus === 'delivered' || job.callbackStatus === 'failed') return;
  // longer than every attempt with its timeout and backoff
  if (!(await jobs.claimCallback(job.jobId, nowMs, 120_000))) return;
  const { delivered, attempts } = await deliverCallback(job, type, { breakers });
  await jobs.recordCallback(job.jobId, delivered ? 'delivered' : 'failed', attempts);
}
