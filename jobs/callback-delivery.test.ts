// One callback POST against a real receiver on loopback: signed as the README tells receivers to
// check, refused when the host resolves to a refused address at connect time (DNS rebinding:
// the check at submit is not enough), and never following a redirect.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackAddresses } from './callback-address.js';
import { CallbackRefusedError, postCallback } from './callback-delivery.js';

const secret = 'whsec-test';
const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    received.push({ url: req.url!, headers: req.headers, body });
    if (req.url === '/moved') res.writeHead(307, { location: '/cb' }).end();
    else res.writeHead(204).end();
  });
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise((r) => server.close(r)));

const loopbackAllowed = new CallbackAddresses({ allowedNetworks: [{ address: '127.0.0.1', prefix: 32, family: 'ipv4' }] });
const post = (url: string, addresses = loopbackAllowed, now = () => 1_800_000_000_000) =>
  postCallback(url, '{"jobId":"job_1","status":"completed"}', { secret, addresses, timeoutMs: 5000, headers: { 'x-cashflow-job': 'job_1' }, now });

/** The receiver's check as the README shows it. */
function verify(headers: IncomingHttpHeaders, body: string, nowSeconds: number): boolean {
  const timestamp = String(headers['x-cashflow-timestamp']);
  const signature = String(headers['x-cashflow-signature']);
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false; // the replay window
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

describe('callback delivery', () => {
  it('POSTs the body signed over its timestamp, which a receiver can check', async () => {
    received.length = 0;
    expect(await post(`http://127.0.0.1:${port}/cb`)).toBe(204);
    const [r] = received;
    expect(r.body).toBe('{"jobId":"job_1","status":"completed"}');
    expect(r.headers).toMatchObject({ 'x-cashflow-timestamp': '1800000000', 'x-cashflow-job': 'job_1', 'content-type': 'application/json' });
    expect(r.headers['x-cashflow-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verify(r.headers, r.body, 1_800_000_010)).toBe(true);
    // another body, another time or another secret does not verify
    expect(verify(r.headers, r.body.replace('completed', 'failed'), 1_800_000_010)).toBe(false);
    expect(verify(r.headers, r.body, 1_800_000_400)).toBe(false);
    expect(verify({ ...r.headers, 'x-cashflow-timestamp': '1800000001' }, r.body, 1_800_000_010)).toBe(false);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    received.length = 0;
    expect(await post(`http://127.0.0.1:${port}/moved`)).toBe(307);
    expect(received.map((r) => r.url)).toEqual(['/moved']);
  });

  it('refuses an address in the URL, and a host name that resolves to a refused address when connecting, sending nothing', async () => {
    received.length = 0;
    const none = new CallbackAddresses({ allowedNetworks: [] });
    await expect(post(`http://127.0.0.1:${port}/cb`, none)).rejects.toThrow(CallbackRefusedError);
    // a name that passed at submit (resolved then to a public address) but resolves to loopback now
    const atSubmit = new CallbackAddresses({ allowedNetworks: [] }, async () => [{ address: '93.184.216.34', family: 4 }]);
    expect(await atSubmit.refusal(`http://localhost:${port}/cb`)).toBeUndefined();
    const sent = post(`http://localhost:${port}/cb`, atSubmit);
    await expect(sent).rejects.toThrow(CallbackRefusedError);
    await expect(sent).rejects.toThrow(/^callbackUrl host "localhost" resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(received).toEqual([]);
  });
});
