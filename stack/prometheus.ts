// Prometheus as the stack runs it (Debian's `prometheus` package, scripts/setup.sh): its
// configuration scrapes the processes the CLI registers by file-based service discovery
// (monitoring/targets.ts) and evaluates the repository's alert rules (ops/prometheus/).
// Pure functions of the settings, so tests start a private one the same way.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { scrapeJobs, targetsGlob } from '../monitoring/targets.js';

export interface PrometheusSettings {
  port: number;
  scrapeIntervalSeconds: number;
  /** Where the CLI writes the targets (StackLayout.prometheusTargets). */
  targetsDir: string;
  dataDir: string;
  configFile: string;
  rulesFiles: string[];
}

/** prometheus.yml: one scrape job per kind of process, each reading its own target files. */
export function prometheusConfig(s: PrometheusSettings): string {
  const interval = `${s.scrapeIntervalSeconds}s`;
  return stringify({
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      // a scrape must end before the next one starts
      scrape_timeout: `${Math.max(1, Math.min(10, s.scrapeIntervalSeconds))}s`,
    },
    rule_files: s.rulesFiles,
    scrape_configs: scrapeJobs.map((job) => ({
      job_name: job,
      // the file watch sees changes at once; the refresh is the fallback
      file_sd_configs: [{ files: [targetsGlob(s.targetsDir, job)], refresh_interval: '30s' }],
    })),
  });
}

/** The flag that marks our Prometheus: its configuration file is in the stack folder. */
export const prometheusMarker = (configFile: string) => `--config.file=${configFile}`;

export function prometheusArgs(s: PrometheusSettings): string[] {
  return [
    prometheusMarker(s.configFile),
    `--storage.tsdb.path=${s.dataDir}`,
    `--web.listen-address=127.0.0.1:${s.port}`,
    '--storage.tsdb.retention.time=15d',
    // the Debian build looks for its console templates under /etc; we serve none
    `--web.console.templates=${join(s.dataDir, 'consoles')}`,
    `--web.console.libraries=${join(s.dataDir, 'console_libraries')}`,
  ];
}
