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

/**
 * One direction's chain: loopback and established traffic pass; while learning, each new peer (the
 * destination going out, the source coming in) joins the peers' sets; after, only those peers pass.
 */
function chain(hook: 'output' | 'input'): string[] {
  const learning = 'meta nfproto @learning';
  const [iface, peer, refuse] = hook === 'output' ? ['oif', 'daddr', ['meta l4proto tcp reject with tcp reset', 'reject']] : ['iif', 'saddr', ['drop']];
  return [
    `  chain ${hook} {`,
    `    type filter hook ${hook} priority filter + 10; policy accept;`,
    `    ${iface} "lo" accept`,
    '    ct state established,related accept',
    `    ${learning} ip ${peer} != 0.0.0.0 update @peers4 { ip ${peer} } accept`,
    `    ${learning} ip6 ${peer} != :: update @peers6 { ip6 ${peer} } accept`,
    `    ${learning} accept`,
    `    ip ${peer} @peers4 accept`,
    `    ip6 ${peer} @peers6 accept`,
    ...refuse.map((r) => `    ${r}`),
    '  }',
  ];
}

/** The nft script for a lock that closes `seconds` after it is loaded. */
export function netlockRules(seconds: number): string {
  return [
    'table inet kiln_netlock {',
    `  set learning { type nf_proto; timeout ${Math.max(1, Math.floor(seconds))}s; elements = { ipv4, ipv6 } }`,
    '  set peers4 { type ipv4_addr; flags dynamic; size 65536; }',
    '  set peers6 { type ipv6_addr; flags dynamic; size 65536; }',
    ...chain('output'),
    ...chain('input'),
    '}',
    '',
  ].join('\n');
}
