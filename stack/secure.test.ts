import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StackError } from './errors.js';
import { stackLayout } from './layout.js';
import { ensureSecureStack, isSecureStack, readSecureStack, scramFormatArgs } from './secure.js';

const dir = mkdtempSync(join(tmpdir(), 'cashflow-secure-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the secure stack folder', () => {
  it('makes CA, certificate, key store and passwords once, readable by their owner only, and keeps them', () => {
    const layout = stackLayout(join(dir, 'a'), '3.0.9');
    expect(isSecureStack(layout)).toBe(false);
    expect(readSecureStack(layout)).toBeUndefined();
    const s = ensureSecureStack(layout);
    expect(isSecureStack(layout)).toBe(true);
    expect(statSync(layout.secrets).mode & 0o777).toBe(0o700);
    for (const f of [s.keystore, s.client.passwordFile, s.certificates.serverKey]) expect(statSync(f).mode & 0o077).toBe(0);
    expect(readFileSync(s.client.passwordFile, 'utf8').trim()).toBe(s.client.password);
    expect(s.client.password).toMatch(/^[0-9a-f]{48}$/);
    expect(s.broker.password).not.toBe(s.client.password);
    // the storage was formatted with these users: a second start must find the same ones
    const again = readSecureStack(layout)!;
    expect(again.client.password).toBe(s.client.password);
    expect(again.broker.password).toBe(s.broker.password);
    expect(again.keystorePassword).toBe(s.keystorePassword);
    expect(scramFormatArgs(again)).toEqual(scramFormatArgs(s));
  });

  it('refuses to make secure a stack whose broker storage was formatted without SCRAM users', () => {
    const layout = stackLayout(join(dir, 'b'), '3.0.9');
    mkdirSync(layout.kafkaData, { recursive: true });
    writeFileSync(join(layout.kafkaData, 'meta.properties'), 'cluster.id=x\n');
    expect(() => ensureSecureStack(layout)).toThrow(StackError);
    expect(() => ensureSecureStack(layout)).toThrow(/formatted without --secure.*another CASHFLOW_STACK_DIR/);
    expect(isSecureStack(layout)).toBe(false);
  });
});
