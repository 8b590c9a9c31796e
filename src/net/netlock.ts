/**
 * `netlock`: for the first minute the sandbox may talk to anyone, and the kernel records every peer it
 * talks to in an nftables set; after that minute only those peers are allowed. Firejail's netlock does this
 * with a process that watches the traffic and then writes rules; kiln loads one static nftables table before
 * the program starts, whose rules switch by themselves: they match `meta nfproto @learning`, a set whose two
 * elements (ipv4, ipv6) the kernel expires after the learning time. No process, no pid, nothing to outlive
 * the sandbox.
 * NOTE: element timeouts run on the kernel's monotonic clock; a `meta time` rule would read the wall clock,
 * and setting that back would reopen learning.
 *
 * - Learning (before the moment): new outbound connections add their destination to @peers4/@peers6,
 *   new inbound ones their source; everything passes.
 * - Locked (from the moment on): replies, loopback and the recorded peers pass; a new connection to or
 *   from anyone else is refused (outbound: reject, so programs fail fast; inbound: drop).
 */

/** Firejail's learning time. */
export const NETLOCK_SECONDS = 60;

/** The nft script for a lock that closes `seconds` after it is loaded. */
export function netlockRules(seconds: number): string {
  const learning = 'meta nfproto @learning';
  return [
    'table inet kiln_netlock {',
    `  set learning { type nf_proto; timeout ${Math.max(1, Math.floor(seconds))}s; elements = { ipv4, ipv6 } }`,
    '  set peers4 { type ipv4_addr; flags dynamic; size 65536; }',
    '  set peers6 { type ipv6_addr; flags dynamic; size 65536; }',
    '  chain output {',
    '    type filter hook output priority filter + 10; policy accept;',
    '    oif "lo" accept',
    '    ct state established,related accept',
    `    ${learning} ip daddr != 0.0.0.0 update @peers4 { ip daddr } accept`,
    `    ${learning} ip6 daddr != :: update @peers6 { ip6 daddr } accept`,
    `    ${learning} accept`,
    '    ip daddr @peers4 accept',
    '    ip6 daddr @peers6 accept',
    '    meta l4proto tcp reject with tcp reset',
    '    reject',
    '  }',
    '  chain input {',
    '    type filter hook input priority filter + 10; policy accept;',
    '    iif "lo" accept',
    '    ct state established,related accept',
    `    ${learning} ip saddr != 0.0.0.0 update @peers4 { ip saddr } accept`,
    `    ${learning} ip6 saddr != :: update @peers6 { ip6 saddr } accept`,
    `    ${learning} accept`,
    '    ip saddr @peers4 accept',
    '    ip6 saddr @peers6 accept',
    '    drop',
    '  }',
    '}',
    '',
  ].join('\n');
}
