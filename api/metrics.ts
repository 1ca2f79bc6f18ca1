// prom-client metrics of the API process (its own registry, served on /metrics).
import client from 'prom-client';

export class ApiMetrics {
  readonly registry = new client.Registry();
  readonly requestSeconds: client.Histogram<'method' | 'route' | 'status'>;
  readonly cacheLookups: client.Counter<'result'>;
  readonly contractsComputed: client.Counter<'mode'>;
  readonly jobsSubmitted: client.Counter;
  readonly rejected: client.Counter<'reason'>;

  constructor() {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry, prefix: 'cashflow_api_process_' });
    this.requestSeconds = new client.Histogram({
      name: 'cashflow_api_request_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.cacheLookups = new client.Counter({
      name: 'cashflow_api_cache_lookups_total',
      help: 'results cache lookups per case: hit (answered from Redis), miss (computed), bypass (Redis unreachable)',
      labelNames: ['result'],
      registers,
    });
    this.contractsComputed = new client.Counter({
      name: 'cashflow_api_contracts_computed_total',
      help: 'cases computed by the engine in requests',
      labelNames: ['mode'],
      registers,
    });
    this.jobsSubmitted = new client.Counter({
      name: 'cashflow_api_jobs_submitted_total',
      help: 'jobs accepted',
      registers,
    });
    this.rejected = new client.Counter({
      name: 'cashflow_api_rejected_total',
      help: 'requests refused: unauthorized, invalid, too large, too many jobs',
      labelNames: ['reason'],
      registers,
    });
  }
}
