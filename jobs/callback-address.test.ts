// Where a job's callback may go: every refused range named, the allow-list, host names judged by
// every address they resolve to.
import { describe, expect, it } from 'vitest';
import { CallbackAddresses } from './callback-address.js';

const none = new CallbackAddresses({ allowedNetworks: [] });

describe('callback addresses', () => {
  it('refuses loopback, private, shared, link-local (cloud metadata), unspecified, multicast and reserved addresses, naming the rule', () => {
    const refused: [string, RegExp][] = [
      ['127.0.0.1', /^a loopback address/],
      ['127.255.1.2', /^a loopback address/],
      ['::1', /^a loopback address/],
      ['10.1.2.3', /^a private address \(RFC 1918/],
      ['172.16.0.1', /^a private address/],
      ['172.31.255.255', /^a private address/],
      ['192.168.1.1', /^a private address/],
      ['fd12:3456::1', /^a private address .*fc00::\/7/],
      ['100.64.0.1', /^a shared address/],
      ['169.254.169.254', /^a link-local address .*cloud metadata/],
      ['fe80::1', /^a link-local address/],
      ['0.0.0.0', /^an unspecified address/],
      ['::', /^an unspecified address/],
      ['224.0.0.1', /^a multicast address/],
      ['ff02::1', /^a multicast address/],
      ['255.255.255.255', /^a reserved or broadcast address/],
      // IPv4 in IPv6 is judged as the IPv4 address
      ['::ffff:127.0.0.1', /^a loopback address/],
      ['::ffff:169.254.169.254', /^a link-local address/],
      ['::ffff:a9fe:a9fe', /^a link-local address/],
    ];
    for (const [address, rule] of refused) expect(none.ruleAgainst(address), address).toMatch(rule);
    for (const address of ['93.184.216.34', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(none.ruleAgainst(address), address).toBeUndefined();
  });

  it('lets API_CALLBACK_ALLOWED_NETWORKS open an address or a network, and nothing else', () => {
    const allowed = new CallbackAddresses({
      allowedNetworks: [
        { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
        { address: '10.20.0.0', prefix: 16, family: 'ipv4' },
      ],
    });
    expect(allowed.ruleAgainst('127.0.0.1')).toBeUndefined();
    expect(allowed.ruleAgainst('10.20.3.4')).toBeUndefined();
    expect(allowed.ruleAgainst('127.0.0.2')).toMatch(/loopback/);
    expect(allowed.ruleAgainst('10.21.0.1')).toMatch(/private/);
    expect(allowed.ruleAgainst('169.254.169.254')).toMatch(/link-local/);
  });

  it('judges a URL by every address its host resolves to, and says which one and why', async () => {
    const resolving = (addresses: string[]) =>
      new CallbackAddresses({ allowedNetworks: [] }, async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    expect(await resolving(['93.184.216.34']).refusal('https://hooks.example/cb')).toBeUndefined();
    expect(await resolving(['93.184.216.34', '10.0.0.7']).refusal('https://hooks.example/cb')).toBe(
      'callbackUrl host "hooks.example" resolves to 10.0.0.7, a private address (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; unique local fc00::/7): callbacks go to public addresses only, unless API_CALLBACK_ALLOWED_NETWORKS lists it',
    );
    expect(await none.refusal('http://169.254.169.254/latest/meta-data/')).toMatch(
      /^callbackUrl 169\.254\.169\.254, a link-local address \(169\.254\.0\.0\/16, with the cloud metadata address 169\.254\.169\.254; fe80::\/10\): /,
    );
    expect(await none.refusal('http://[::1]:8080/cb')).toMatch(/^callbackUrl ::1, a loopback address/);
    // the machine's own name, resolved for real
    expect(await none.refusal('http://localhost:8080/cb')).toMatch(
      /^callbackUrl host "localhost" resolves to (127\.0\.0\.1|::1), a loopback address/,
    );
    expect(await none.refusal('http://no-such-host.invalid/cb')).toMatch(
      /^callbackUrl host "no-such-host\.invalid" does not resolve/,
    );
  });
});
