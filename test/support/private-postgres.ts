// The private PostgreSQL server lives in stack/private/ (the chaos command uses it too); the
// tests add their teardown with a pipeline environment on it.
import { PrivatePostgres as Server } from '../../stack/private/postgres.js';
import type { Cleanup } from './cleanup.js';
import type { PipelineEnv } from './pipeline-env.js';

export { postgresBinDir, type StopMode } from '../../stack/private/postgres.js';

export class PrivatePostgres extends Server {
  /**
   * The end of a test file on this server: up again if a test left it down, `env` torn down
   * (its database here among the rest), then the server removed; each step tried.
   */
  async tearDownWith(cleanup: Cleanup, env: PipelineEnv | undefined): Promise<void> {
    await cleanup.attempt('server up for the teardown', () => this.start().catch(() => undefined));
    await cleanup.attempt('pipeline env', async () => env?.tearDown());
    await cleanup.attempt('private postgres', () => this.remove());
  }
}
