// A fault test's processor log lines, one JSON object each, in .test-logs/<name>.log: retries
// are warnings there, and a failure names the file.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoFile } from '../../config/repo-file.js';
import type { Log } from '../../processors/runner.js';

export const testLogDir = join(repoFile(), '.test-logs');

export class TestLog {
  readonly file: string;

  constructor(name: string) {
    mkdirSync(testLogDir, { recursive: true });
    this.file = join(testLogDir, `${name}.log`);
  }

  readonly log: Log = (level, message, fields) => {
    appendFileSync(this.file, `${JSON.stringify({ t: new Date().toISOString(), level, message, ...fields })}\n`);
  };
}
