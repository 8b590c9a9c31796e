/**
 * Policy + host facts → the network part of a launch (types.ts). Pure: the devices and tools are looked
 * up through the planner's file view. Addresses that depend on the moment (a free one on a bridge) are
 * chosen by the set-up stage at launch, not here.
 */
import { UsageError } from '../errors.ts';
import type { HostFacts } from '../host/facts.ts';
import type { NetInterface, Policy } from '../policy/policy.ts';
import { ipv4ToNumber, isHostOf, networkOf, numberToIpv4, prefixOfNetmask } from './address.ts';
import { DEFAULT_FILTER4, loadFilter } from './filter.ts';
import { NETLOCK_SECONDS } from './netlock.ts';
import type { AddressRequest, NetFilter, NetPlan, NetTools, RootInterface, UserNetwork } from './types.ts';

const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** slirp4netns' default network and its fixed offsets (gateway .2, DNS forwarder .3, guest .100). */
const SLIRP_NETWORK = '10.0.2.0';
const SLIRP_PREFIX = 24;
/** A large MTU makes user-mode networking much faster (fewer packets through slirp4netns). */
const SLIRP_MTU = 65520;
const MAX_FILTER_BYTES = 1 << 20;
const ROOT_MAX_MTU = 9198;

export interface NetworkOutcome {
  readonly plan?: NetPlan;
  /** What this mode cannot give, said once per launch. */
  readonly warnings: readonly string[];
  /** The DNS servers the sandbox's resolv.conf names (user mode: slirp4netns' forwarder unless --dns). */
  readonly dns: readonly string[];
}

function findTool(facts: HostFacts, name: string): string | undefined {
  const fs = facts.chroot?.host ?? facts.fs;
  for (const dir of SYSTEM_DIRS) {
    const path = `${dir}/${name}`;
    const real = fs.realpath(path);
    if (real !== undefined && fs.lstat(real)?.type === 'file') return path;
  }
  return undefined;
}

function needTool(facts: HostFacts, name: string, pkg: string, why: string): string {
  const found = findTool(facts, name);
  if (found === undefined) throw new UsageError(`${why} needs ${name}, which was not found: install the ${pkg} package (apt-get install ${pkg})`);
  return found;
}

function planTools(facts: HostFacts, mode: 'user' | 'root', policy: Policy): NetTools {
  const filtered = policy.netfilter !== undefined;
  const arping = mode === 'root' ? findTool(facts, 'arping') : undefined;
  const dhcp = mode === 'root' && policy.net.kind === 'interfaces' && policy.net.interfaces.some((i) => i.ip === 'dhcp');
  return {
    ip: needTool(facts, 'ip', 'iproute2', 'a sandbox network'),
    nsenter: needTool(facts, 'nsenter', 'util-linux', 'a sandbox network'),
    mount: needTool(facts, 'mount', 'mount', 'a sandbox network'),
    ...(mode === 'user' ? { slirp4netns: needTool(facts, 'slirp4netns', 'slirp4netns', 'a network for an unprivileged sandbox') } : {}),
    ...(filtered ? { iptablesRestore: needTool(facts, 'iptables-restore', 'iptables', 'netfilter') } : {}),
    ...(policy.netfilter6 !== undefined ? { ip6tablesRestore: needTool(facts, 'ip6tables-restore', 'iptables', 'netfilter6') } : {}),
    ...(arping !== undefined ? { arping } : {}),
    ...(dhcp ? { udhcpc: needTool(facts, 'udhcpc', 'udhcpc', '--ip=dhcp') } : {}),
    ...(policy.netlock ? { nft: needTool(facts, 'nft', 'nftables', 'netlock') } : {}),
  };
}

function planFilters(policy: Policy, facts: HostFacts): { filter4?: NetFilter; filter6?: NetFilter } {
  const fs = facts.chroot?.host ?? facts.fs;
  const read = (path: string) => fs.read(path, MAX_FILTER_BYTES);
  const nf = policy.netfilter;
  const filter4 = nf === undefined ? undefined : nf.kind === 'default' ? { source: "kiln's default client filter", rules: DEFAULT_FILTER4 } : loadFilter(nf.path, nf.args, read, 'netfilter');
  const filter6 = policy.netfilter6 === undefined ? undefined : loadFilter(policy.netfilter6.path, policy.netfilter6.args, read, 'netfilter6');
  return { ...(filter4 !== undefined ? { filter4 } : {}), ...(filter6 !== undefined ? { filter6 } : {}) };
}

/** User mode: one slirp4netns interface; what only a bridge can give is said, not silently dropped. */
function planUser(policy: Policy, interfaces: readonly NetInterface[]): { user: UserNetwork; warnings: string[] } {
  const warnings: string[] = [];
  const moved = interfaces.find((i) => i.move === true);
  if (moved !== undefined) throw new UsageError(`--interface=${moved.device}: moving a host device into the sandbox needs root`);
  const [first, ...rest] = interfaces as [NetInterface, ...NetInterface[]];
  if (rest.length > 0) warnings.push(`an unprivileged sandbox gets one user-mode interface (eth0); ${rest.map((i) => `--net=${i.device}`).join(', ')} add${rest.length === 1 ? 's' : ''} nothing`);
  const ignored = [
    first.vethName !== undefined ? '--veth-name' : undefined,
    first.iprange !== undefined ? '--iprange' : undefined,
    first.ip6 !== undefined ? '--ip6' : undefined,
    first.ip === 'dhcp' ? '--ip=dhcp' : undefined,
  ].filter((x) => x !== undefined);
  if (ignored.length > 0) warnings.push(`${ignored.join(', ')} need${ignored.length === 1 ? 's' : ''} a root sandbox on a bridge; with user-mode networking (slirp4netns) ${ignored.length === 1 ? 'it does' : 'they do'} nothing`);
  if (first.ip === 'none') throw new UsageError('--ip=none: an unprivileged sandbox has only its user-mode interface; use --net=none for no network');
  let prefix = SLIRP_PREFIX;
  if (first.netmask !== undefined) {
    prefix = prefixOfNetmask(first.netmask);
    if (prefix < 1 || prefix > 25) throw new UsageError(`--netmask=${first.netmask}: user-mode networking needs a network between /1 and /25`);
  }
  const ip = first.ip !== undefined && first.ip !== 'dhcp' ? first.ip : undefined;
  const net = ip !== undefined ? networkOf(ip, prefix) : ipv4ToNumber(SLIRP_NETWORK);
  const gateway = numberToIpv4(net + 2);
  const dns = numberToIpv4(net + 3);
  if (ip !== undefined) {
    if (!isHostOf(ip, ip, prefix) || ip === gateway || ip === dns) {
      throw new UsageError(`--ip=${ip}: with user-mode networking the network's .2 is the gateway and .3 the DNS forwarder; choose another host address of ${numberToIpv4(net)}/${prefix}`);
    }
  }
  if (policy.defaultGateway !== undefined && policy.defaultGateway !== gateway) {
    throw new UsageError(`--defaultgw=${policy.defaultGateway}: with user-mode networking the gateway is ${gateway} (the network's .2)`);
  }
  return {
    user: {
      name: 'eth0',
      network: { address: numberToIpv4(net), prefix },
      address: ip ?? numberToIpv4(net + 100),
      gateway,
      dns,
      mtu: first.mtu ?? SLIRP_MTU,
      ...(first.mac !== undefined ? { mac: first.mac } : {}),
    },
    warnings,
  };
}

function deviceKind(facts: HostFacts, device: string): 'bridge' | 'macvlan' | 'ipvlan' {
  const fs = facts.chroot?.host ?? facts.fs;
  const sys = `/sys/class/net/${device}`;
  if (fs.lstat(sys) === undefined) throw new UsageError(`--net=${device}: there is no network device ${device} on this host`);
  if (fs.lstat(`${sys}/bridge`) !== undefined) return 'bridge';
  // Firejail's choice: a macvlan cannot be made on a wireless device, an ipvlan can.
  if (fs.lstat(`${sys}/wireless`) !== undefined || fs.lstat(`${sys}/phy80211`) !== undefined) return 'ipvlan';
  return 'macvlan';
}

function addressOf(i: NetInterface): AddressRequest {
  if (i.ip === 'none') return { kind: 'none' };
  if (i.ip6 === 'dhcp') throw new UsageError(`--ip6=dhcp on ${i.device}: not supported yet (docs/network.md); give an address with --ip6`);
  if (i.ip === 'dhcp') return { kind: 'dhcp' };
  if (i.ip !== undefined) return { kind: 'static', address: i.ip };
  return { kind: 'auto', ...(i.iprange !== undefined ? { range: i.iprange } : {}) };
}

function planRoot(facts: HostFacts, interfaces: readonly NetInterface[]): RootInterface[] {
  const out = interfaces.map((i, n): RootInterface => {
    const kind: RootInterface['kind'] = i.move === true ? 'move' : deviceKind(facts, i.device);
    if (i.move === true && (facts.chroot?.host ?? facts.fs).lstat(`/sys/class/net/${i.device}`) === undefined) {
      throw new UsageError(`--interface=${i.device}: there is no network device ${i.device} on this host`);
    }
    if (i.mtu !== undefined && i.mtu > ROOT_MAX_MTU) throw new UsageError(`--mtu=${i.mtu}: an interface on ${i.device} takes at most ${ROOT_MAX_MTU} (the largest jumbo frame, as in Firejail); above that only user-mode networking goes`);
    if (i.vethName !== undefined && kind !== 'bridge') throw new UsageError(`--veth-name=${i.vethName}: ${i.device} is not a bridge, so there is no veth pair to name`);
    const iface = {
      // A moved device keeps its name, as under Firejail.
      name: i.move === true ? i.device : `eth${n}`,
      kind,
      device: i.device,
      // The set-up stage fills in a name of its own when this is empty (it knows the sandbox's pid).
      hostName: i.vethName ?? '',
      address: addressOf(i),
      ...(i.netmask !== undefined ? { prefix: prefixOfNetmask(i.netmask) } : {}),
      ...(i.ip6 !== undefined && i.ip6 !== 'dhcp' ? { ip6: i.ip6 } : {}),
      ...(i.mac !== undefined ? { mac: i.mac } : {}),
      ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
    };
    return iface;
  });
  const names = out.map((i) => i.hostName).filter((n) => n !== '');
  if (new Set(names).size !== names.length) throw new UsageError('--veth-name: two interfaces have the same name');
  return out;
}

/**
 * The sandbox's network. `sysfs` is where a fresh sysfs goes (absent when the profile hides /sys).
 * `net none` and the host's network need no set-up stage: the init stage makes a loopback-only namespace.
 */
/**
 * netlock's learning time: Firejail's minute, or KILN_NETLOCK_SECONDS (for tests; 1 to 3600).
 */
function netlockSeconds(facts: HostFacts): number {
  const v = facts.env['KILN_NETLOCK_SECONDS'];
  if (v === undefined) return NETLOCK_SECONDS;
  const n = /^\d{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 3600)) throw new UsageError(`KILN_NETLOCK_SECONDS=${v}: give a number of seconds from 1 to 3600`);
  return n;
}

export function planNetwork(policy: Policy, facts: HostFacts, sysfs: string | undefined): NetworkOutcome {
  const net = policy.net;
  if (net.kind !== 'interfaces') {
    // As in Firejail, netlock needs a network namespace with interfaces; without one it has nothing to lock.
    const warnings = policy.netlock ? ['netlock needs a network of its own (--net=IFACE); without one it does nothing'] : [];
    return { warnings, dns: policy.dns };
  }
  const lock = policy.netlock ? { netlockSeconds: netlockSeconds(facts) } : {};
  const mode = facts.isRoot ? 'root' : 'user';
  const tools = planTools(facts, mode, policy);
  const filters = planFilters(policy, facts);
  if (mode === 'user') {
    const { user, warnings } = planUser(policy, net.interfaces);
    return {
      plan: { mode, tools, user, interfaces: [], ...filters, ...lock, ...(sysfs !== undefined ? { sysfs } : {}), dns: policy.dns.length > 0 ? policy.dns : [user.dns] },
      warnings,
      dns: policy.dns.length > 0 ? policy.dns : [user.dns],
    };
  }
  const interfaces = planRoot(facts, net.interfaces);
  return {
    plan: {
      mode,
      tools,
      interfaces,
      ...(policy.defaultGateway !== undefined ? { defaultGateway: policy.defaultGateway } : {}),
      ...filters,
      ...lock,
      ...(sysfs !== undefined ? { sysfs } : {}),
      dns: policy.dns,
      ...(interfaces.some((i) => i.address.kind === 'dhcp') && policy.dns.length === 0 ? { dhcpResolv: true } : {}),
    },
    warnings: [],
    dns: policy.dns,
  };
}
