/**
 * kiln's network set-up stage: `kiln --kiln-net=3`, started by the launch before it execs (start.ts). It
 * waits for bwrap to report the sandbox's pid, then, while the init stage inside holds the program back:
 *
 * 1. opens the sandbox's network and mount namespaces (and, unprivileged, the user namespace that owns
 *    them: ioctl(NS_GET_USERNS) on the network namespace, bwrap's outer user namespace, not the one the
 *    program runs in);
 * 2. makes the interfaces: slirp4netns for an unprivileged caller; veth pairs, macvlans, ipvlans or moved
 *    devices for root, with iproute2;
 * 3. addresses them and sets the default route (`ip -batch` inside the namespace);
 * 4. loads the network filters with iptables-restore/ip6tables-restore inside the namespace;
 * 5. mounts a fresh sysfs at the sandbox's /sys (util-linux mount -N: the binary is the host's, the mount
 *    lands in the sandbox's mount namespace);
 * 6. writes the one byte the init stage waits for, and exits.
 *
 * Every tool runs from the host, entering only the namespaces it needs (nsenter), with the namespaces
 * passed as open fds, never as pids that could be reused. A failure prints one line and exits 1, which
 * closes the ready pipe: the init stage then stops without starting the program (fail closed).
 */
import { SyscallError } from '../errors.ts';
import { closeExtraFds } from '../launch/fds.ts';
import { readLink, readText, realPath, writeAll } from '../sys/fs.ts';
import { DHCP_EVENT_NAME, type DhcpLease } from './dhcp-event.ts';
import { netlockRules } from './netlock.ts';
import { userNsOf } from '../sys/ns.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { spawnLibc } from '../helpers/libc-spawn.ts';
import { makePipe } from '../helpers/spawn.ts';
import { addressCandidates, ipv4ToNumber, isHostOf, numberToIpv4, prefixOfNetmask, sameNetwork } from './address.ts';
import { SETUP_FDS, type SetupConfig } from './start.ts';
import type { NetPlan, RootInterface } from './types.ts';
import { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH, EINTR } from '../sys/flags.ts';

const POLLIN = 1;
/** How long slirp4netns has to report that it is ready. */
const SLIRP_READY_MS = 10_000;
/** How long bwrap has to build the sandbox's tree once it has made the namespaces. */
const TREE_READY_MS = 30_000;
const ID_MAP_MS = 5_000;

class SetupError extends Error {}

function openNs(path: string): number {
  const fd = libc().open(ptr(cString(path)), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  return fd;
}

/** The sandbox's pid from bwrap's first status line: {"child-pid": N, …}. */
function readChildPid(fd: number): number {
  const l = libc();
  const buf = new Uint8Array(1024);
  let text = '';
  for (;;) {
    const n = Number(l.read(fd, ptr(buf), buf.length));
    if (n < 0 && errno() === EINTR) continue;
    if (n < 0) throw new SyscallError('read', errno(), "bwrap's status");
    // bwrap ended before making the sandbox (it says why itself), or kiln died before the exec.
    if (n === 0) process.exit(1);
    text += new TextDecoder().decode(buf.subarray(0, n));
    const nl = text.indexOf('\n');
    if (nl >= 0) {
      const pid = (JSON.parse(text.slice(0, nl)) as { 'child-pid'?: unknown })['child-pid'];
      if (typeof pid !== 'number') throw new SetupError(`bwrap's status has no child-pid: ${text.slice(0, nl)}`);
      return pid;
    }
  }
}

/**
 * Waits until bwrap has mapped the caller into its user namespace: an unprivileged bwrap's child writes its
 * own uid and gid maps just after bwrap reports its pid, and until then the caller has no uid there, and
 * no capability (iptables-restore: "you must be root", seen in 1 of 80 launches).
 * NOTE: the kernel offers nothing to wait on for this; it takes microseconds, so a short sleep loop,
 * bounded, is the honest way. It bounds a start-up step, not a helper's lifetime.
 */
function awaitIdMaps(pid: number): void {
  const deadline = performance.now() + ID_MAP_MS;
  for (;;) {
    const uid = readText(`/proc/${pid}/uid_map`);
    const gid = readText(`/proc/${pid}/gid_map`);
    if (uid === undefined || gid === undefined) throw new SetupError('the sandbox ended before its user namespace was ready');
    if (uid.trim() !== '' && gid.trim() !== '') return;
    if (performance.now() > deadline) throw new SetupError(`bwrap did not map its user namespace within ${ID_MAP_MS / 1000} s`);
    Bun.sleepSync(1);
  }
}

interface Namespaces {
  /** Host-side fds, handed to every tool at 3 (net), 4 (mnt) and 5 (the owning user namespace, user mode). */
  readonly fds: readonly number[];
  /** nsenter's arguments that enter the network namespace (and, user mode, its owner). */
  readonly enterNet: readonly string[];
}

interface Run {
  readonly argv: readonly string[];
  readonly stdin?: string;
  /** What the failure message says was being done. */
  readonly what: string;
}

/** Runs a tool with the namespace fds at 3… and returns its stdout; throws with its stderr if it fails. */
async function run(ns: Namespaces, r: Run): Promise<string> {
  const proc = Bun.spawn([...r.argv], {
    stdio: [r.stdin !== undefined ? new TextEncoder().encode(r.stdin) : 'ignore', 'pipe', 'pipe', ...ns.fds],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) {
    const detail = err.trim().split('\n').slice(-4).join('; ');
    throw new SetupError(`${r.what} failed (${r.argv[0]?.slice(r.argv[0].lastIndexOf('/') + 1)} exit status ${code}${detail !== '' ? `: ${detail}` : ''})`);
  }
  return out;
}

/** Waits up to `ms` for a byte on `fd`; false on end of file or time-out. */
function awaitByte(fd: number, ms: number): boolean {
  const pfd = new Int32Array([fd, POLLIN]);
  const deadline = performance.now() + ms;
  for (;;) {
    const n = spawnLibc().poll(ptr(pfd), 1, Math.max(0, Math.ceil(deadline - performance.now())));
    if (n < 0 && errno() === EINTR) continue;
    if (n <= 0) return false;
    const b = new Uint8Array(1);
    return Number(libc().read(fd, ptr(b), 1)) === 1;
  }
}

/**
 * slirp4netns in the owning user namespace, attached to the sandbox's network namespace by fd. Its exit
 * fd is the lifetime pipe's writing end: poll reports an error on it when the last reader (tini, bwrap,
 * the init stage) has gone, and slirp4netns exits.
 */
async function startSlirp(plan: NetPlan, config: SetupConfig, ns: Namespaces, configure: boolean): Promise<void> {
  const user = plan.user;
  const slirp = plan.tools.slirp4netns;
  if (user === undefined || slirp === undefined) throw new TypeError('a user-mode plan has slirp4netns');
  const l = libc();
  const [readyR, readyW] = makePipe();
  const log = config.log === undefined ? -1 : l.open(ptr(cString(config.log)), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600);
  // fds in slirp4netns: 3 net, 4 mnt, 5 user, 6 lifetime, 7 ready.
  const proc = Bun.spawn(
    [
      slirp,
      `--mtu=${user.mtu}`,
      '--disable-host-loopback',
      // slirp4netns' own set-up gives the tap its recommended address (.100), the default route and the
      // MTU before it says it is ready: one tool run less on the launch's path.
      ...(configure ? ['--configure', ...(user.mac !== undefined ? [`--macaddress=${user.mac}`] : [])] : []),
      `--cidr=${user.network.address}/${user.network.prefix}`,
      '--userns-path=/proc/self/fd/5',
      '--netns-type=path',
      '--exit-fd=6',
      '--ready-fd=7',
      '/proc/self/fd/3',
      user.name,
    ],
    {
      stdio: ['ignore', 'ignore', log >= 0 ? log : 'ignore', ...ns.fds, SETUP_FDS.lifetime, readyW],
      env: { LANG: 'C' },
      // Its own session: the terminal's signals are the program's.
      detached: true,
    },
  );
  proc.unref();
  l.close(readyW);
  if (log >= 0) l.close(log);
  const ready = awaitByte(readyR, SLIRP_READY_MS);
  l.close(readyR);
  if (!ready) {
    proc.kill(9);
    const tail = config.log === undefined ? '' : (readText(config.log) ?? '').trim().split('\n').slice(-3).join('; ');
    throw new SetupError(`slirp4netns did not start${tail !== '' ? `: ${tail}` : ''}`);
  }
}

interface HostAddress {
  readonly address: string;
  readonly prefix: number;
}

/** A device's first IPv4 address, from `ip -j`. */
async function deviceAddress(plan: NetPlan, device: string): Promise<HostAddress | undefined> {
  const out = await run({ fds: [], enterNet: [] }, { argv: [plan.tools.ip, '-j', '-4', 'addr', 'show', 'dev', device], what: `reading ${device}'s address` });
  const parsed = JSON.parse(out === '' ? '[]' : out) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  const info = parsed[0]?.addr_info?.find((a) => typeof a.local === 'string');
  return info?.local !== undefined && info.prefixlen !== undefined ? { address: info.local, prefix: info.prefixlen } : undefined;
}

/**
 * Duplicate address detection (iputils' arping -D: one probe, a second for replies, as Firejail's own ARP
 * check takes): true if no host on `device`'s segment answers for `address`. Without arping (it is not
 * a hard requirement, iputils-arping), the address is taken as free.
 */
async function addressFree(plan: NetPlan, device: string, address: string): Promise<boolean> {
  if (plan.tools.arping === undefined) return true;
  const proc = Bun.spawn([plan.tools.arping, '-D', '-q', '-c', '1', '-w', '1', '-I', device, address], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code === 0) return true;
  if (code === 1 && err.trim() === '') return false;
  throw new SetupError(`checking whether ${address} is free on ${device} failed (arping exit status ${code}${err.trim() !== '' ? `: ${err.trim().split('\n')[0]}` : ''})`);
}

/** How many taken addresses kiln passes over before it gives up (each costs arping's second). */
const MAX_DAD_TRIES = 8;

interface Configured {
  readonly name: string;
  readonly address?: string;
  readonly prefix?: number;
  readonly gateway?: string;
}

/** Chooses or checks an interface's IPv4 address against its parent device's network. */
async function resolveAddress(plan: NetPlan, iface: RootInterface, index: number): Promise<Configured> {
  const req = iface.address;
  if (req.kind === 'none') return { name: iface.name };
  if (req.kind === 'dhcp') return { name: iface.name }; // addressed after the lease (setUpRoot)
  const own = await deviceAddress(plan, iface.device);
  const prefix = iface.prefix ?? own?.prefix;
  if (iface.kind === 'move') {
    // A moved device takes its address along, as under Firejail; --ip replaces it.
    if (req.kind === 'static') {
      if (prefix === undefined) throw new SetupError(`--ip=${req.address}: ${iface.device} has no IPv4 address to take the netmask from; add --netmask`);
      return { name: iface.name, address: req.address, prefix };
    }
    return own === undefined ? { name: iface.name } : { name: iface.name, address: own.address, prefix: own.prefix };
  }
  if (req.kind === 'static') {
    if (prefix === undefined) throw new SetupError(`--ip=${req.address}: ${iface.device} has no IPv4 address to take the netmask from; add --netmask`);
    if (own !== undefined) {
      if (!isHostOf(req.address, own.address, prefix)) throw new SetupError(`--ip=${req.address} is not in ${iface.device}'s network (${own.address}/${own.prefix})`);
      if (req.address === own.address) throw new SetupError(`--ip=${req.address} is ${iface.device}'s own address`);
    }
    if (!(await addressFree(plan, iface.device, req.address))) throw new SetupError(`--ip=${req.address}: the address is already in use on ${iface.device}`);
    return { name: iface.name, address: req.address, prefix, ...(own !== undefined && index === 0 ? { gateway: own.address } : {}) };
  }
  if (own === undefined || prefix === undefined) throw new SetupError(`--net=${iface.device}: the device has no IPv4 address, so kiln cannot choose one for the sandbox; give --ip and --netmask`);
  if (req.range !== undefined) {
    for (const a of req.range) {
      if (!isHostOf(a, own.address, prefix)) throw new SetupError(`--iprange: ${a} is not in ${iface.device}'s network (${own.address}/${own.prefix})`);
    }
  }
  const candidates = addressCandidates(own.address, prefix, req.range, new Set());
  for (const candidate of candidates.slice(0, MAX_DAD_TRIES)) {
    if (await addressFree(plan, iface.device, candidate)) return { name: iface.name, address: candidate, prefix, gateway: own.address };
  }
  const where = req.range !== undefined ? req.range.join('-') : `${numberToIpv4(ipv4ToNumber(own.address))}/${prefix}`;
  throw new SetupError(`--net=${iface.device}: ${candidates.length === 0 ? 'no address left' : `the first ${Math.min(MAX_DAD_TRIES, candidates.length)} candidate addresses are in use`} in ${where}; give one with --ip or a range with --iprange`);
}

/** The host-side commands that make an interface and put it into the namespace at fd 3. */
function hostCommands(iface: RootInterface, hostName: string): string[] {
  switch (iface.kind) {
    case 'bridge':
      return [
        `link add ${hostName} type veth peer name ${iface.name} netns /proc/self/fd/3`,
        ...(iface.mtu !== undefined ? [`link set ${hostName} mtu ${iface.mtu}`] : []),
        `link set ${hostName} master ${iface.device}`,
        `link set ${hostName} up`,
      ];
    case 'macvlan':
      return [`link add link ${iface.device} name ${iface.name} netns /proc/self/fd/3 type macvlan mode bridge`];
    case 'ipvlan':
      return [`link add link ${iface.device} name ${iface.name} netns /proc/self/fd/3 type ipvlan mode l2`];
    case 'move':
      return [`link set ${iface.device} netns /proc/self/fd/3`];
  }
}

function sandboxCommands(c: Configured, mac: string | undefined, mtu: number | undefined, ip6: string | undefined): string[] {
  return [
    ...(mac !== undefined ? [`link set ${c.name} address ${mac}`] : []),
    ...(mtu !== undefined ? [`link set ${c.name} mtu ${mtu}`] : []),
    ...(c.address !== undefined ? [`addr add ${c.address}/${c.prefix ?? 24} dev ${c.name}`] : []),
    ...(ip6 !== undefined ? [`addr add ${ip6.includes('/') ? ip6 : `${ip6}/64`} dev ${c.name}`] : []),
    `link set ${c.name} up`,
  ];
}

async function setUpRoot(plan: NetPlan, config: SetupConfig, ns: Namespaces, childPid: number): Promise<void> {
  const configured: Configured[] = [];
  for (const [i, iface] of plan.interfaces.entries()) configured.push(await resolveAddress(plan, iface, i));
  const host = plan.interfaces.flatMap((iface, i) => hostCommands(iface, iface.hostName !== '' ? iface.hostName : `kiln${childPid}.${i}`));
  await run(ns, { argv: [plan.tools.ip, '-batch', '-'], stdin: `${host.join('\n')}\n`, what: 'making the interfaces' });
  const inside = plan.interfaces.flatMap((iface, i) => sandboxCommands(configured[i] ?? { name: iface.name }, iface.mac, iface.mtu, iface.ip6));
  await run(ns, { argv: [plan.tools.nsenter, ...ns.enterNet, plan.tools.ip, '-batch', '-'], stdin: `${inside.join('\n')}\n`, what: 'configuring the interfaces' });
  // --ip=dhcp: the interfaces are up; ask for a lease on each, then address them as it says.
  const dns: string[] = [];
  const leased: string[] = [];
  for (const [i, iface] of plan.interfaces.entries()) {
    if (iface.address.kind !== 'dhcp') continue;
    const lease = await requestLease(plan, config, ns, iface.name);
    const prefix = prefixOfNetmask(lease.subnet);
    configured[i] = { name: iface.name, address: lease.ip, prefix, ...(lease.router !== undefined ? { gateway: lease.router } : {}) };
    leased.push(`addr add ${lease.ip}/${prefix} dev ${iface.name}`);
    dns.push(...lease.dns);
  }
  const gw = plan.defaultGateway ?? configured.find((c) => c.gateway !== undefined)?.gateway;
  if (plan.defaultGateway !== undefined && !configured.some((c) => c.address !== undefined && c.prefix !== undefined && sameNetwork(c.address, plan.defaultGateway ?? '', c.prefix))) {
    throw new SetupError(`--defaultgw=${plan.defaultGateway} is not in the network of any of the sandbox's interfaces (${configured.flatMap((c) => (c.address !== undefined ? [`${c.address}/${c.prefix ?? 24}`] : [])).join(', ') || 'none has an address'})`);
  }
  const last = [...leased, ...(gw !== undefined ? [`route add default via ${gw}`] : [])];
  if (last.length > 0) await run(ns, { argv: [plan.tools.nsenter, ...ns.enterNet, plan.tools.ip, '-batch', '-'], stdin: `${last.join('\n')}\n`, what: 'setting the addresses and the default route' });
  if (plan.dhcpResolv === true) writeResolvConf(config, [...new Set(dns)].slice(0, 3));
}

/**
 * One DHCP lease for `name`: busybox's udhcpc in the sandbox's network namespace, in the foreground, quitting
 * once it has a lease (-q) or giving up (-n) after three tries a second apart. Its event script is kiln
 * itself (dhcp-event.ts), which only records the lease; kiln configures the interface.
 * NOTE: the lease is not renewed; the sandbox keeps the address for its life (docs/network.md).
 */
async function requestLease(plan: NetPlan, config: SetupConfig, ns: Namespaces, name: string): Promise<DhcpLease> {
  const dir = config.helperDir;
  if (plan.tools.udhcpc === undefined || dir === undefined) throw new TypeError('--ip=dhcp plans udhcpc and a helper directory');
  const script = `${dir}/${DHCP_EVENT_NAME}`;
  if (readLink(script) === undefined) {
    const self = realPath('/proc/self/exe');
    if (self === undefined || libc().symlink(ptr(cString(self)), ptr(cString(script))) !== 0) throw new SyscallError('symlink', errno(), script);
  }
  await run(ns, {
    argv: [plan.tools.nsenter, ...ns.enterNet, plan.tools.udhcpc, '-f', '-q', '-n', '-t', '3', '-T', '1', '-i', name, '-s', script],
    what: `--ip=dhcp: asking for a lease on ${name}`,
  });
  const text = readText(`${dir}/dhcp-${name}.json`);
  const lease = text === undefined ? undefined : (JSON.parse(text) as DhcpLease);
  if (lease === undefined) throw new SetupError(`--ip=dhcp: udhcpc got no lease on ${name}`);
  return lease;
}

/** The helper directory's resolv.conf, bound over the sandbox's, rewritten in place (the bind keeps its inode). */
function writeResolvConf(config: SetupConfig, servers: readonly string[]): void {
  const path = `${config.helperDir ?? ''}/resolv.conf`;
  const fd = libc().open(ptr(cString(path)), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  try {
    writeAll(fd, servers.map((d) => `nameserver ${d}\n`).join(''));
  } finally {
    libc().close(fd);
  }
}

async function setUpUser(plan: NetPlan, config: SetupConfig, ns: Namespaces): Promise<void> {
  const user = plan.user;
  if (user === undefined) throw new TypeError('a user-mode plan has its network');
  const recommended = numberToIpv4(ipv4ToNumber(user.network.address) + 100);
  const configure = user.address === recommended;
  await startSlirp(plan, config, ns, configure);
  if (configure) return;
  const c: Configured = { name: user.name, address: user.address, prefix: user.network.prefix };
  const inside = [...sandboxCommands(c, user.mac, user.mtu, undefined), `route add default via ${user.gateway}`];
  await run(ns, { argv: [plan.tools.nsenter, ...ns.enterNet, plan.tools.ip, '-batch', '-'], stdin: `${inside.join('\n')}\n`, what: 'configuring the user-mode interface' });
}

async function setUp(config: SetupConfig, childPid: number): Promise<void> {
  const plan = config.plan;
  const netFd = openNs(`/proc/${childPid}/ns/net`);
  const mntFd = openNs(`/proc/${childPid}/ns/mnt`);
  const fds = [netFd, mntFd];
  if (plan.mode === 'user') {
    awaitIdMaps(childPid);
    const userFd = userNsOf(netFd, 'owner');
    if (userFd < 0) throw new SyscallError('ioctl(NS_GET_USERNS)', errno(), `/proc/${childPid}/ns/net`);
    fds.push(userFd);
  }
  // NOTE: without --preserve-credentials nsenter's setgroups fails in a user namespace it did not make.
  const enterUser = plan.mode === 'user' ? ['--preserve-credentials', '--user=/proc/self/fd/5'] : [];
  const ns: Namespaces = { fds, enterNet: [...enterUser, '--net=/proc/self/fd/3'] };
  // The filters and the sysfs do not depend on the interfaces: all three go at once, and the program
  // waits for the last. The filters may well be in place before any interface is up.
  const filters = ([
    [plan.filter4, plan.tools.iptablesRestore, 'netfilter'],
    [plan.filter6, plan.tools.ip6tablesRestore, 'netfilter6'],
  ] as const).flatMap(([filter, tool, family]) => {
    if (filter === undefined) return [];
    if (tool === undefined) throw new TypeError(`a plan with ${family} has its tool`);
    return [run(ns, { argv: [plan.tools.nsenter, ...ns.enterNet, tool], stdin: filter.rules, what: `${family} (${filter.source})` })];
  });
  // NOTE: the filters are spawned first: waiting for slirp4netns blocks this thread (poll).
  await Promise.all([...filters, plan.mode === 'user' ? setUpUser(plan, config, ns) : setUpRoot(plan, config, ns, childPid)]);
  if (plan.netlockSeconds !== undefined) {
    if (plan.tools.nft === undefined) throw new TypeError('a netlock plan has nft');
    // The learning time counts from the load, just before the program starts (setUp's last steps are quick).
    await run(ns, { argv: [plan.tools.nsenter, ...ns.enterNet, plan.tools.nft, '-f', '-'], stdin: netlockRules(plan.netlockSeconds), what: 'netlock (nftables)' });
  }
  // NOTE: bwrap reports the pid before it builds the sandbox's tree; the sysfs goes on the finished tree,
  // which the init stage reports (it runs once bwrap is done) on the tree pipe.
  if (plan.sysfs !== undefined) {
    if (!awaitByte(SETUP_FDS.tree, TREE_READY_MS)) throw new SetupError('the sandbox did not finish building its file system');
    await mountSysfs(plan, ns, childPid, plan.sysfs);
  }
}

/**
 * A fresh read-only sysfs at the sandbox's `dest`, showing its own network devices. nsenter enters the
 * sandbox's network and mount namespaces (and, unprivileged, their owning user namespace), then chroots to
 * the host's root by fd, so that `mount` is the host's binary whatever the profile hides; the target is
 * the sandbox's directory by fd (opened through /proc/PID/root), which mount is told not to canonicalize.
 * NOTE: util-linux's `mount -N` cannot do this from a user namespace: it tests that it can switch back to
 * kiln's own mount namespace, which only the host's root may enter.
 */
async function mountSysfs(plan: NetPlan, ns: Namespaces, childPid: number, dest: string): Promise<void> {
  const l = libc();
  const root = l.open(ptr(cString('/')), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (root < 0) throw new SyscallError('open', errno(), '/');
  const target = l.open(ptr(cString(`/proc/${childPid}/root${dest}`)), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (target < 0) {
    const e = errno();
    l.close(root);
    throw new SyscallError('open', e, `the sandbox's ${dest}`);
  }
  const r = 3 + ns.fds.length;
  const t = r + 1;
  try {
    await run(
      { fds: [...ns.fds, root, target], enterNet: ns.enterNet },
      {
        argv: [plan.tools.nsenter, ...ns.enterNet, '--mount=/proc/self/fd/4', `--root=/proc/self/fd/${r}`, `--wd=/proc/self/fd/${r}`, plan.tools.mount, '--no-canonicalize', '-n', '-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs', `/proc/self/fd/${t}`],
        what: `mounting a sysfs at ${dest}`,
      },
    );
  } finally {
    l.close(root);
    l.close(target);
  }
}

/** Entry point: `kiln --kiln-net=3`. Exits 0 once the sandbox's network is ready, 1 if it cannot be. */
export async function runNetworkSetup(configFd: number): Promise<number> {
  // Nothing of ours reaches slirp4netns but what it is given: above all not the ready pipe, whose end of
  // file tells the init stage that the set-up failed.
  closeExtraFds(new Set());
  let config: SetupConfig | undefined;
  try {
    const text = readText(`/proc/self/fd/${configFd}`);
    if (text === undefined) throw new SetupError('the set-up configuration is missing');
    config = JSON.parse(text) as SetupConfig;
    libc().close(configFd);
    const childPid = readChildPid(SETUP_FDS.status);
    await setUp(config, childPid);
    writeAll(SETUP_FDS.ready, new Uint8Array([1]));
    return 0;
  } catch (e) {
    const what = config?.plan.mode === 'user' ? 'user-mode network' : 'network';
    writeAll(2, `kiln: ${what}${config?.name ? ` of sandbox ${config.name}` : ''}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
