// Files shipped in the repository beside the code (SQL migrations, .avsc schemas). `tsc` does
// not copy them to dist/, so they are found from the checkout root, which holds package.json,
// whether the module runs from source (vitest) or from dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function repoRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir)
      throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Absolute path of a file given relative to the repository root, e.g. `db/sql/postgres`. */
export function repoFile(...relative: string[]): string {
  return join(repoRoot(), ...relative);
}

/** The version in package.json (what the AsyncAPI document is versioned by). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(repoFile('package.json'), 'utf8')) as { version: string }).version;
}
