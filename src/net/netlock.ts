/**
 * `netlock`: for the first minute the sandbox may talk to anyone, and the kernel records every peer it
 * talks to in an nftables set; after that minute only those peers are allowed. Firejail's netlock does this
 * with a process that watches the traffic and then writes rules; kiln loads one static nftables table before
 * the program starts, whose rules switch by themselves at a fixed moment (`meta time`, an absolute time in
 * seconds since the epoch): no process, no pid, nothing to outlive the sandbox.
 *
 * - Learning (before the moment): new outbound connections add their destination to @peers4/@peers6,
 *   new inbound ones their source; everything passes.
 * - Locked (from the moment on): replies, loopback and the recorded peers pass; a new connection to or
 *   from anyone else is refused (outbound: reject, so programs fail fast; inbound: drop).
 */

/** Firejail's learning time. */
export const NETLOCK_SECONDS = 60;

/** The nft script for a lock that closes at `lockAt` (seconds since the epoch). */
export function netlockRules(lockAt: number): string {
  const t = Math.floor(lockAt);
  return [
    'table inet kiln_netlock {',
    '  set peers4 { type ipv4_addr; flags dynamic; size 65536; }',
    '  set peers6 { type ipv6_addr; flags dynamic; size 65536; }',
    '  chain output {',
    '    type filter hook output priority filter + 10; policy accept;',
    '    oif "lo" accept',
    '    ct state established,related accept',
    `    meta time < ${t} ip daddr != 0.0.0.0 update @peers4 { ip daddr } accept`,
    `    meta time < ${t} ip6 daddr != :: update @peers6 { ip6 daddr } accept`,
    `    meta time < ${t} accept`,
    '    ip daddr @peers4 accept',
    '    ip6 daddr @peers6 accept',
    '    meta l4proto tcp reject with tcp reset',
    '    reject',
    '  }',
    '  chain input {',
    '    type filter hook input priority filter + 10; policy accept;',
    '    iif "lo" accept',
    '    ct state established,related accept',
    `    meta time < ${t} ip saddr != 0.0.0.0 update @peers4 { ip saddr } accept`,
    `    meta time < ${t} ip6 saddr != :: update @peers6 { ip6 saddr } accept`,
    `    meta time < ${t} accept`,
    '    ip saddr @peers4 accept',
    '    ip6 saddr @peers6 accept',
    '    drop',
    '  }',
    '}',
    '',
  ].join('\n');
}
