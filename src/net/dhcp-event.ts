/**
 * udhcpc's event script, for --ip=dhcp: kiln itself, run through a link named `kiln-dhcp-event` in the
 * sandbox's helper directory (udhcpc takes a script path, no arguments). On `bound` it records what the
 * lease says, from the variables udhcpc sets, as JSON beside the link (`dhcp-IFACE.json`); the network
 * set-up stage (setup.ts) reads it and configures the interface itself. Every other event changes nothing:
 * the address, route and resolv.conf are kiln's to set, never a script's.
 */
import { SyscallError } from '../errors.ts';
import { readBytes, writeAll } from '../sys/fs.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';

export const DHCP_EVENT_NAME = 'kiln-dhcp-event';

export interface DhcpLease {
  readonly ip: string;
  readonly subnet: string;
  readonly router?: string;
  readonly dns: readonly string[];
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_NOFOLLOW = 0o400000;
const O_CLOEXEC = 0o2000000;

/** The lease in udhcpc's variables, or undefined if they are not all well-formed addresses. */
export function leaseOf(env: Readonly<Record<string, string | undefined>>): DhcpLease | undefined {
  const ip = env['ip'] ?? '';
  const subnet = env['subnet'] ?? '';
  if (!IPV4.test(ip) || !IPV4.test(subnet)) return undefined;
  const router = (env['router'] ?? '').split(/\s+/).find((r) => IPV4.test(r));
  const dns = (env['dns'] ?? '').split(/\s+/).filter((d) => IPV4.test(d)).slice(0, 3);
  return { ip, subnet, ...(router !== undefined ? { router } : {}), dns };
}

/** Entry point: `kiln-dhcp-event EVENT` with udhcpc's variables; the lease goes beside the link run. */
export function runDhcpEvent(event: string | undefined, env: Readonly<Record<string, string | undefined>>): number {
  if (event !== 'bound') return 0;
  // argv[0] as udhcpc exec'd it: the link's full path in the helper directory.
  const cmdline = new TextDecoder().decode(readBytes('/proc/self/cmdline', 4096)?.bytes ?? new Uint8Array());
  const self = cmdline.slice(0, cmdline.indexOf('\0'));
  const iface = env['interface'] ?? '';
  const lease = leaseOf(env);
  if (!/^[A-Za-z0-9._-]{1,15}$/.test(iface) || lease === undefined) return 1;
  const path = `${self.slice(0, self.lastIndexOf('/'))}/dhcp-${iface}.json`;
  const fd = libc().open(ptr(cString(path)), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  try {
    writeAll(fd, JSON.stringify(lease));
  } finally {
    libc().close(fd);
  }
  return 0;
}
