// `cashflow stack status` output (CONTRACTS.md): one line per component,
// `<component> <healthy|unhealthy> <url> <detail>`, the detail one word; hints start with `#`.
import type { ComponentHealth } from './health.js';

export function statusDetail(detail: string): string {
  const word = detail.trim().replace(/\s+/g, '-');
  return word.length > 0 ? word : '-';
}

export function formatStatusLine(h: ComponentHealth): string {
  return `${h.component} ${h.healthy ? 'healthy' : 'unhealthy'} ${h.url} ${statusDetail(h.detail)}`;
}

export function formatStatus(all: ComponentHealth[], hints: string[] = []): string {
  return [...all.map(formatStatusLine), ...hints.map((h) => `# ${h}`)].join('\n') + '\n';
}
