import { describe, expect, it } from 'vitest';
import { buildTopology } from '../topology/topology.js';
import { dependenciesOf } from './pipeline.js';

describe('dependenciesOf', () => {
  const topology = buildTopology({ database: 'cashflow', schema: 'public' });

  it('lists the broker, the registry and Redis for every process, the database where a processor reaches it', () => {
    expect(dependenciesOf(topology, ['calculator'])).toEqual(['kafka', 'schema-registry', 'redis']);
    expect(dependenciesOf(topology, ['impact', 'job-worker'])).toEqual(['kafka', 'schema-registry', 'redis']);
    expect(dependenciesOf(topology, ['sink'])).toEqual(['kafka', 'schema-registry', 'redis', 'database']);
    expect(dependenciesOf(topology, ['calculator', 'verifier'])).toEqual([
      'kafka',
      'schema-registry',
      'redis',
      'database',
    ]);
  });
});
