import { describe, expect, it, vi } from 'vitest';
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

describe('an error for the person at the terminal', () => {
  it('is one class, UserFacingError: the platform\'s errors are of it, printed alone with their exit code', async () => {
    const { PlatformError } = await import('../platform/errors.js');
    const { UserFacingError } = await import('./command.js');
    const e = new PlatformError('stack not healthy: kafka (down)', 3);
    expect(e).toBeInstanceOf(UserFacingError);
    expect(e).toMatchObject({ message: 'stack not healthy: kafka (down)', exitCode: 3 });
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true));
    try {
      const { main } = await import('./main.js');
      expect(await main(['topology', '--format', 'nope'])).toBe(2);
    } finally {
      write.mockRestore();
    }
    expect(written).toEqual(['cashflow: --format must be text or mermaid, got "nope"\n']);
  });
});
