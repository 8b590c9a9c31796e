/**
 * Capabilities: names, numbers, and what a policy does with them.
 *
 * NOTE: bwrap drops capabilities from the sandbox's effective, permitted, inheritable and ambient sets,
 * but as root it leaves the bounding set alone, so a root program could regain a dropped capability by
 * executing a file with file capabilities. kiln therefore narrows its own bounding set before exec'ing
 * bwrap, after copying its permitted set into the inheritable set so that bwrap itself still starts with
 * every capability it needs for setup (P' = (pI & fI) | (fP & bset)). Unprivileged sandboxes need none of
 * this: bwrap already empties the bounding set inside the user namespace.
 */
import type { CapsPolicy } from '../policy/policy.ts';

/** capabilities(7), in number order. */
export const CAPABILITIES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
] as const;

export type CapName = (typeof CAPABILITIES)[number];

/** The number of a capability written as Firejail does (`net_raw`, `CAP_NET_RAW`), or undefined. */
export function capNumber(name: string): number | undefined {
  const n = name.toLowerCase().replace(/^cap_/, '');
  const i = (CAPABILITIES as readonly string[]).indexOf(n);
  return i < 0 ? undefined : i;
}

/** `caps` with no list: what Firejail's default filter removes (firejail(1), --caps). */
export const DEFAULT_FILTER_DROPS: readonly CapName[] = [
  'sys_module', 'sys_rawio', 'sys_boot', 'sys_nice', 'sys_tty_config', 'syslog', 'mknod', 'sys_admin',
];

/**
 * The capabilities a root sandbox keeps, by number, or undefined when the policy leaves them unchanged.
 * Unknown names are dropped from the result; the resolver reports them before planning.
 */
export function keptCapabilities(caps: CapsPolicy, lastCap: number): number[] | undefined {
  const all = Array.from({ length: lastCap + 1 }, (_, i) => i);
  const numbers = (names: readonly string[]) =>
    new Set(names.map(capNumber).filter((n): n is number => n !== undefined));
  switch (caps.kind) {
    case 'unchanged':
      return undefined;
    case 'drop-all':
      return [];
    case 'drop': {
      const drop = numbers(caps.caps);
      return all.filter((c) => !drop.has(c));
    }
    case 'keep': {
      const keep = numbers(caps.caps);
      return all.filter((c) => keep.has(c));
    }
    case 'default-filter': {
      const drop = numbers(DEFAULT_FILTER_DROPS);
      return all.filter((c) => !drop.has(c));
    }
  }
}

/** bwrap's spelling: CAP_NET_RAW. */
export function bwrapCapName(cap: number): string {
  return `CAP_${(CAPABILITIES[cap] ?? String(cap)).toUpperCase()}`;
}
