/** Networking commands. Their order matters (ip, mac, mtu… apply to the last `net`); the resolver checks it. */
import type { ArgTable } from './argspec.ts';
import { singlePath } from './commands-fs.ts';
import {
  ArgumentError,
  ipv4ToNumber,
  parseInteger,
  parseInterface,
  parseIpAny,
  parseIpv4,
  parseIpv6,
  parseMac,
  parseNetmask,
} from './values.ts';

/** Firejail allows up to 16 template arguments ($ARG1…$ARG16). */
const MAX_FILTER_ARGS = 16;

/** `FILE` or Firejail's template form `FILE,ARG1,ARG2…`. */
function filterFile(arg: string, ctx: Parameters<typeof singlePath>[1]): { file: string; args?: string[] } {
  const [file = '', ...args] = arg.split(',');
  if (args.length > MAX_FILTER_ARGS) throw new ArgumentError(`at most ${MAX_FILTER_ARGS} filter arguments can be given`);
  if (args.some((a) => a === '')) throw new ArgumentError(`an empty filter argument (in ${JSON.stringify(arg)})`);
  return { file: singlePath(file, ctx), ...(args.length > 0 ? { args } : {}) };
}

type NetCommand =
  | 'net'
  | 'netns'
  | 'veth-name'
  | 'ip'
  | 'ip6'
  | 'iprange'
  | 'dns'
  | 'defaultgw'
  | 'netmask'
  | 'mac'
  | 'mtu'
  | 'netfilter'
  | 'netfilter6';

export const NET_COMMANDS: ArgTable<NetCommand> = {
  net: {
    arg: 'required',
    parse: (arg) => {
      if (arg === 'none') return { kind: 'net', device: 'none' };
      if (arg === 'lo') throw new ArgumentError('cannot attach to the loopback device; use net none for a loopback-only namespace');
      return { kind: 'net', device: parseInterface(arg) };
    },
  },
  netns: { arg: 'required', parse: (arg) => ({ kind: 'netns', value: parseInterface(arg) }) },
  'veth-name': { arg: 'required', parse: (arg) => ({ kind: 'veth-name', value: parseInterface(arg) }) },
  ip: {
    arg: 'required',
    parse: (arg) => ({ kind: 'ip', value: arg === 'none' || arg === 'dhcp' ? arg : { address: parseIpv4(arg) } }),
  },
  ip6: { arg: 'required', parse: (arg) => ({ kind: 'ip6', value: arg === 'dhcp' ? 'dhcp' : { address: parseIpv6(arg, true) } }) },
  iprange: {
    arg: 'required',
    parse: (arg) => {
      const parts = arg.split(',');
      if (parts.length !== 2) throw new ArgumentError('expected FIRST,LAST');
      const start = parseIpv4(parts[0] ?? '');
      const end = parseIpv4(parts[1] ?? '');
      if (ipv4ToNumber(start) >= ipv4ToNumber(end)) throw new ArgumentError('the first address must be below the last');
      return { kind: 'iprange', start, end };
    },
  },
  dns: { arg: 'required', parse: (arg) => ({ kind: 'dns', address: parseIpAny(arg) }) },
  defaultgw: { arg: 'required', parse: (arg) => ({ kind: 'defaultgw', address: parseIpv4(arg) }) },
  netmask: { arg: 'required', parse: (arg) => ({ kind: 'netmask', address: parseNetmask(arg) }) },
  mac: { arg: 'required', parse: (arg) => ({ kind: 'mac', address: parseMac(arg) }) },
  // The IPv4 minimum datagram size, and slirp4netns' largest (user-mode networking's default); a root
  // interface keeps Firejail's bound, the largest jumbo frame (src/net/plan.ts).
  mtu: { arg: 'required', parse: (arg) => ({ kind: 'mtu', mtu: parseInteger(arg, 'MTU', 576, 65520) }) },
  netfilter: {
    arg: 'optional',
    parse: (arg, ctx) => (arg === undefined ? { kind: 'netfilter' } : { kind: 'netfilter', ...filterFile(arg, ctx) }),
  },
  netfilter6: { arg: 'required', parse: (arg, ctx) => ({ kind: 'netfilter6', ...filterFile(arg, ctx) }) },
};
