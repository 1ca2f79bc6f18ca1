import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoFile } from '../config/repo-file.js';
import { composeHaproxySettings, haproxyConfig } from './haproxy.js';
import { onPath } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'cashflow-haproxy-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The compose file's two instances and fall/rise, on local ports and without Docker's DNS or stats.
const local = haproxyConfig({
  ...composeHaproxySettings,
  bind: '127.0.0.1:18090',
  servers: composeHaproxySettings.servers.map((s, i) => ({ name: s.name, address: `127.0.0.1:${18091 + i}` })),
  checkIntervalMs: 1000,
  dockerDns: undefined,
  statsBind: undefined,
});

describe('the HAProxy configuration', () => {
  it('is committed for the compose file exactly as haproxyConfig writes it', () => {
    expect(readFileSync(repoFile('ops', 'haproxy', 'haproxy.cfg'), 'utf8')).toBe(haproxyConfig(composeHaproxySettings));
  });

  it('checks every instance on /readyz, listens where asked and resends no POST after it reached an instance', () => {
    const lines = local.split('\n').map((l) => l.trim());
    expect(lines).toContain('bind 127.0.0.1:18090');
    expect(lines).toContain('option httpchk GET /readyz');
    expect(lines).toContain('http-request disable-l7-retry if METH_POST');
    const servers = lines.filter((l) => l.startsWith('server '));
    expect(servers.map((l) => l.split(' ').slice(1, 3))).toEqual([
      ['api-1', '127.0.0.1:18091'],
      ['api-2', '127.0.0.1:18092'],
    ]);
    for (const s of servers) expect(s).toMatch(/ check inter 1000 fall 2 rise 2 observe layer4 .*on-error mark-down/);
    expect(local).not.toMatch(/resolvers|stats/);
  });

  it.skipIf(!onPath('haproxy'))('is accepted by haproxy -c, locally and for compose', () => {
    for (const [name, text] of [
      ['local.cfg', local],
      ['compose.cfg', haproxyConfig(composeHaproxySettings)],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
      expect(r.status, `${name}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr).not.toMatch(/\[ALERT\]/);
    }
  });
});
