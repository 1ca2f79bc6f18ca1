// `cashflow stack logs [component]`: where each process of the stack writes, or one log's tail.
import { existsSync } from 'node:fs';
import { stackLayout, wantedProcessComponents, type ProcessComponent } from './layout.js';
import { stackVersions } from './versions.js';

export function logPaths(dir: string): { component: ProcessComponent; path: string; exists: boolean }[] {
  const layout = stackLayout(dir, stackVersions.apicurio);
  return wantedProcessComponents(true, true).map((c) => ({
    component: c,
    path: layout.logFile(c),
    exists: existsSync(layout.logFile(c)),
  }));
}

export function isProcessComponent(name: string): name is ProcessComponent {
  return (wantedProcessComponents(true, true) as string[]).includes(name);
}
