// Webhook targets must not reach into the operator's own network: every address a host name resolves to must be
// public, unless the operator allows private targets (WEBHOOK_ALLOW_PRIVATE) or names the host or address
// (WEBHOOK_ALLOW_HOSTS). The check runs in the connection's own DNS lookup, so the address connected to is the
// address checked (no DNS rebinding between a check and the request).
import dns from 'node:dns';
import net from 'node:net';

export interface TargetPolicy {
  allowPrivate: boolean;
  /** Host names (lower case) or IP addresses allowed even when private. */
  allowHosts: readonly string[];
}

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata at 169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach IPv4 private space
] as const)
  blocked.addSubnet(prefix, bits, 'ipv6');

/** True when the address is loopback, private, link-local, multicast or otherwise not a public unicast address. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

export class TargetRefused extends Error {}

function allowed(policy: TargetPolicy, host: string, address: string): boolean {
  if (policy.allowPrivate) return true;
  if (!isPrivateAddress(address)) return true;
  const hosts = policy.allowHosts;
  return hosts.includes(host.toLowerCase()) || hosts.includes(address);
}

/** Resolves `host` and refuses it unless every address is allowed; returns the addresses. */
export async function checkTarget(policy: TargetPolicy, host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(bare)
    ? [bare]
    : (await dns.promises.lookup(bare, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new TargetRefused(`the host "${host}" does not resolve`);
  const refused = addresses.find((a) => !allowed(policy, bare, a));
  if (refused)
    throw new TargetRefused(
      `the host "${host}" resolves to ${refused}, a private, loopback, link-local or multicast address`,
    );
  return addresses;
}

/** A `lookup` for http.request that connects only to addresses the policy allows. */
export function guardedLookup(policy: TargetPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return (callback as (e: Error) => void)(err);
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((a) => !allowed(policy, hostname, a.address));
      if (bad || list.length === 0)
        return (callback as (e: Error) => void)(
          new TargetRefused(`refused to connect to ${hostname} (${bad?.address ?? 'no address'})`),
        );
      if ((options as dns.LookupOptions).all) (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else (callback as (e: null, a: string, f: number) => void)(null, list[0]!.address, list[0]!.family);
    });
  };
}
