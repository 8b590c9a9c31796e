/** IPv4 arithmetic for network set-up: prefixes, networks, and the candidates for a free address. */
import { ipv4ToNumber } from '../profile/values.ts';

export { ipv4ToNumber };

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

export function prefixOfNetmask(netmask: string): number {
  const n = ipv4ToNumber(netmask);
  let bits = 0;
  for (let i = 31; i >= 0 && ((n >>> i) & 1) === 1; i--) bits++;
  return bits;
}

export function networkOf(address: string, prefix: number): number {
  return (ipv4ToNumber(address) & maskOf(prefix)) >>> 0;
}

export function sameNetwork(a: string, b: string, prefix: number): boolean {
  return networkOf(a, prefix) === networkOf(b, prefix);
}

/** The first and last host addresses of a network (network and broadcast addresses excluded). */
export function hostRange(address: string, prefix: number): [number, number] {
  const net = networkOf(address, prefix);
  const size = 2 ** (32 - prefix);
  return prefix >= 31 ? [net, net + size - 1] : [net + 1, net + size - 2];
}

/** Whether `address` is a host address (not the network's or broadcast address) of `network`/`prefix`. */
export function isHostOf(address: string, network: string, prefix: number): boolean {
  const [lo, hi] = hostRange(network, prefix);
  const n = ipv4ToNumber(address);
  return n >= lo && n <= hi;
}

/**
 * Addresses to try, in order, for a sandbox on the network of `own` (the bridge's address): from `range`
 * if given, else the whole network, starting after `own` as Firejail does and wrapping round, skipping the
 * bridge's own address and `taken` (other sandboxes' addresses).
 */
export function addressCandidates(own: string, prefix: number, range: readonly [string, string] | undefined, taken: ReadonlySet<string>): string[] {
  const [lo, hi] = range === undefined ? hostRange(own, prefix) : [ipv4ToNumber(range[0]), ipv4ToNumber(range[1])];
  const start = Math.min(Math.max(ipv4ToNumber(own) + 1, lo), hi);
  const out: string[] = [];
  for (let i = 0; i <= hi - lo; i++) {
    const n = lo + ((start - lo + i) % (hi - lo + 1));
    const a = numberToIpv4(n >>> 0);
    if (a !== own && !taken.has(a)) out.push(a);
  }
  return out;
}
