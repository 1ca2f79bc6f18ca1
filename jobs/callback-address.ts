// Where a job's callback may go: only to addresses outside the ranges a deployment's own network
// uses, so that a client cannot make the job-worker POST to the machine itself, its neighbours or
// the cloud's metadata service (169.254.169.254): loopback, private (RFC 1918, fc00::/7),
// shared (RFC 6598), link-local (169.254.0.0/16, fe80::/10), unspecified, multicast, reserved
// and broadcast; unless API_CALLBACK_ALLOWED_NETWORKS lists the address. IPv4 addresses mapped
// into IPv6 (::ffff:10.0.0.1) are judged as the IPv4 address (net.BlockList does so).
// A host name is judged by every address it resolves to, when the job is submitted (400 naming
// the rule) and again when the callback connects (jobs/callback-delivery.ts): a name may resolve
// elsewhere by then (DNS rebinding).
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { CallbackConfig, IpNetwork } from '../config/config.js';

interface Rule {
  name: string;
  networks: IpNetwork[];
}

const v4 = (address: string, prefix: number): IpNetwork => ({ address, prefix, family: 'ipv4' });
const v6 = (address: string, prefix: number): IpNetwork => ({ address, prefix, family: 'ipv6' });

/** The refused ranges, each with the name a refusal gives (IANA special-purpose registries). */
const RULES: readonly Rule[] = [
  { name: 'an unspecified address (0.0.0.0/8, ::)', networks: [v4('0.0.0.0', 8), v6('::', 128)] },
  { name: 'a loopback address (127.0.0.0/8, ::1)', networks: [v4('127.0.0.0', 8), v6('::1', 128)] },
  {
    name: 'a private address (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; unique local fc00::/7)',
    networks: [v4('10.0.0.0', 8), v4('172.16.0.0', 12), v4('192.168.0.0', 16), v6('fc00::', 7)],
  },
  { name: 'a shared address (RFC 6598: 100.64.0.0/10)', networks: [v4('100.64.0.0', 10)] },
  {
    name: 'a link-local address (169.254.0.0/16, with the cloud metadata address 169.254.169.254; fe80::/10)',
    networks: [v4('169.254.0.0', 16), v6('fe80::', 10)],
  },
  { name: 'a multicast address (224.0.0.0/4, ff00::/8)', networks: [v4('224.0.0.0', 4), v6('ff00::', 8)] },
  {
    name: 'a reserved or broadcast address (240.0.0.0/4; IPv4-compatible ::/96)',
    networks: [v4('240.0.0.0', 4), v6('::', 96)],
  },
];

function blockList(networks: readonly IpNetwork[]): BlockList {
  const list = new BlockList();
  for (const n of networks) list.addSubnet(n.address, n.prefix, n.family);
  return list;
}

const RULE_LISTS = RULES.map((r) => ({ name: r.name, list: blockList(r.networks) }));

/** The judge of callback addresses under one allow-list (API_CALLBACK_ALLOWED_NETWORKS). */
export class CallbackAddresses {
  private readonly allowed: BlockList;

  constructor(
    config: Pick<CallbackConfig, 'allowedNetworks'>,
    private readonly resolve: (host: string) => Promise<{ address: string; family: number }[]> = (host) =>
      dnsLookup(host, { all: true, verbatim: true }),
  ) {
    this.allowed = blockList(config.allowedNetworks);
  }

  /** The rule that refuses an IP address (its name), or undefined when a callback may go there. */
  ruleAgainst(address: string): string | undefined {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(address, family)) return undefined;
    return RULE_LISTS.find((r) => r.list.check(address, family))?.name;
  }

  /**
   * Why a callback cannot go to `url`'s host (a sentence naming the address and rule), or
   * undefined when every address the host resolves to is allowed.
   */
  async refusal(url: string): Promise<string | undefined> {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      return 'callbackUrl is not a URL';
    }
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = (await this.resolve(host)).map((a) => a.address);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        return `callbackUrl host "${host.slice(0, 100)}" does not resolve${typeof code === 'string' ? ` (${code})` : ''}`;
      }
    }
    for (const address of addresses) {
      const rule = this.ruleAgainst(address);
      if (rule) return refusalText(host, address, rule);
    }
    return undefined;
  }
}

export function refusalText(host: string, address: string, rule: string): string {
  const where = host === address ? address : `host "${host.slice(0, 100)}" resolves to ${address}`;
  return `callbackUrl ${where}, ${rule}: callbacks go to public addresses only, unless API_CALLBACK_ALLOWED_NETWORKS lists it`;
}
