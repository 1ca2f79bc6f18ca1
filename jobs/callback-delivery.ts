// One POST of a job's callback (the job-worker retries, processors/job-worker.ts):
// - the address is judged (jobs/callback-address.ts) as the connection is made, on what the host
//   resolves to then: the check at submit is undone by a name that resolves elsewhere since
//   (DNS rebinding), so the connection uses only the addresses judged here;
// - redirects are not followed (node:http never does): a 3xx is the receiver's answer like any
//   other, and the job-worker does not count it delivered;
// - signed: HMAC-SHA256, keyed with API_CALLBACK_SECRET, of `<timestamp>.<body>`, sent as
//   `x-cashflow-signature: v1=<hex>` beside `x-cashflow-timestamp: <Unix seconds>`; the README
//   ("Callbacks") shows a receiver how to check both.
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { refusalText, type CallbackAddresses } from './callback-address.js';

export const TIMESTAMP_HEADER = 'x-cashflow-timestamp';
export const SIGNATURE_HEADER = 'x-cashflow-signature';

/** The signature header's value for a body sent at `timestampSeconds`. */
export function callbackSignature(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex')}`;
}

/** A callback whose address a rule refuses: nothing was sent, and trying again will not help. */
export class CallbackRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallbackRefusedError';
  }
}

export interface CallbackPost {
  secret: string;
  addresses: CallbackAddresses;
  timeoutMs: number;
  /** Further headers (the job's id). */
  headers?: Record<string, string>;
  now?: () => number;
}

/**
 * POSTs `body` (JSON) to `url`, signed; resolves with the receiver's status code. Rejects with
 * CallbackRefusedError when an address is refused, with the network's error otherwise.
 */
export function postCallback(url: string, body: string, o: CallbackPost): Promise<number> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  // an address in the URL is connected to without a lookup: judged here
  if (isIP(host)) {
    const rule = o.addresses.ruleAgainst(host);
    if (rule) return Promise.reject(new CallbackRefusedError(refusalText(host, host, rule)));
  }
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, found: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      for (const a of found) {
        const rule = o.addresses.ruleAgainst(a.address);
        if (rule) return callback(new CallbackRefusedError(refusalText(hostname, a.address, rule)), '', 0);
      }
      if (options.all) callback(null, found);
      else callback(null, found[0].address, found[0].family);
    });
  };
  const timestamp = Math.floor((o.now ?? Date.now)() / 1000);
  const options: RequestOptions = {
    method: 'POST',
    lookup,
    signal: AbortSignal.timeout(o.timeoutMs),
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'cashflow-callbacks',
      ...o.headers,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: callbackSignature(o.secret, timestamp, body),
    },
  };
  return new Promise((resolve, reject) => {
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, (res) => {
      res.resume(); // the answer's body is not read
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e: Error & { cause?: unknown }) =>
      reject(e instanceof CallbackRefusedError || !(e.cause instanceof CallbackRefusedError) ? e : e.cause),
    );
    req.end(body);
  });
}
