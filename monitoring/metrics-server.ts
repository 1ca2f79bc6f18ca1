// A process's /metrics and /healthz (on 127.0.0.1 unless CASHFLOW_METRICS_HOST says otherwise),
// for processes that serve nothing else (the lag exporter). The processors' server
// (processors/pipeline.ts) also answers /readyz.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export async function serveMetrics(
  registry: Registry,
  port: number,
  host = '127.0.0.1',
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        // a failed read fails the scrape: Prometheus marks the target down (CashflowProcessDown)
        (e: unknown) => {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end(`${e instanceof Error ? e.message : String(e)}\n`);
        },
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
