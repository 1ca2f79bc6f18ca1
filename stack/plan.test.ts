import { describe, expect, it } from 'vitest';
import type { ComponentHealth } from './health.js';
import { conflictMessage, decide } from './plan.js';

const h = (healthy: boolean, answering: boolean): ComponentHealth => ({
  component: 'kafka',
  healthy,
  answering,
  url: 'kafka://127.0.0.1:9092',
  detail: healthy ? 'ok' : 'connection refused',
});

describe('what up does with a component', () => {
  it('leaves a healthy process of ours alone', () => expect(decide(h(true, true), 123)).toBe('running'));
  it('uses a healthy process it did not start, without owning it', () =>
    expect(decide(h(true, true), undefined)).toBe('external'));
  it('waits for a process of ours that does not answer yet', () =>
    expect(decide(h(false, false), 123)).toBe('wait'));
  it('starts what nothing answers for', () => expect(decide(h(false, false), undefined)).toBe('start'));
  it('refuses a port taken by something else', () =>
    expect(decide(h(false, true), undefined)).toBe('conflict'));
  it('names the port and the variable that moves it', () => {
    const m = conflictMessage(
      { ...h(false, true), detail: 'the port answers but not as a Kafka broker' },
      9092,
    );
    expect(m).toContain('port 9092');
    expect(m).toContain('STACK_KAFKA_PORT');
  });
});
