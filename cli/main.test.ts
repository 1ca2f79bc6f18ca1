import { describe, expect, it } from 'vitest';
import { takeLogFormat } from './main.js';

describe('--log json|pretty', () => {
  it('is taken out of the line anywhere and set as CASHFLOW_LOG_FORMAT, so its value is never the command', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(takeLogFormat(['--log', 'pretty', 'run', 'calculator'], env)).toEqual(['run', 'calculator']);
    expect(env.CASHFLOW_LOG_FORMAT).toBe('pretty');
    expect(takeLogFormat(['run', '--log=json'], env)).toEqual(['run']);
    expect(env.CASHFLOW_LOG_FORMAT).toBe('json');
  });

  it("leaves serve's own --log (request logs) alone", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(takeLogFormat(['serve', '--log', '--port', '0'], env)).toEqual(['serve', '--log', '--port', '0']);
    expect(env.CASHFLOW_LOG_FORMAT).toBeUndefined();
  });
});
