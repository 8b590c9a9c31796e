/**
 * The network part of a launch plan: what kiln's network set-up stage (src/net/setup.ts, kiln's own binary
 * in a mode of its own) does to the sandbox's new network namespace after bwrap has made it and before the
 * program may start. Pure data: the planner writes it, the launcher hands it over in a memfd.
 *
 * Two modes:
 * - `user` (an unprivileged caller): slirp4netns gives the namespace a tap device and user-mode NAT to the
 *   host's network. It runs in the user namespace that owns the sandbox's network namespace (bwrap's outer
 *   one), which kiln's set-up reaches with ioctl(NS_GET_USERNS) on the namespace's fd.
 * - `root`: Firejail's own model. A veth pair whose host end joins a bridge, a macvlan (or ipvlan) on an
 *   Ethernet device, or a host device moved in (`--interface`), configured with iproute2.
 */

/** An IPv4 address with its prefix length. */
export interface Ipv4Net {
  readonly address: string;
  readonly prefix: number;
}

/** How an interface gets its IPv4 address. */
export type AddressRequest =
  /** A free address on the parent's network (checked with ARP duplicate address detection). */
  | { readonly kind: 'auto'; readonly range?: readonly [string, string] }
  | { readonly kind: 'static'; readonly address: string }
  /** `--ip=none`: the interface comes up without an IPv4 address. */
  | { readonly kind: 'none' }
  /**
   * `--ip=dhcp`: udhcpc, run once in the sandbox's namespace; kiln itself is its event script (setup.ts)
   * and configures what the lease says. The lease is not renewed.
   */
  | { readonly kind: 'dhcp' };

export interface RootInterface {
  /** The name inside the sandbox: eth0…eth3, or the moved device's own name. */
  readonly name: string;
  /**
   * - `bridge`: a veth pair, its host end (`hostName`) on the bridge `device`.
   * - `macvlan`/`ipvlan`: a child of the Ethernet (or wireless) `device`, in bridge (l2) mode.
   * - `move`: the host device itself (`--interface`); it goes back to the host when the namespace goes.
   */
  readonly kind: 'bridge' | 'macvlan' | 'ipvlan' | 'move';
  readonly device: string;
  /** The host end's name (`bridge`) or the temporary name before it is moved in (`macvlan`, `ipvlan`). */
  readonly hostName: string;
  readonly address: AddressRequest;
  /** A netmask given with --netmask (with --ip on a device that has no address); else the device's. */
  readonly prefix?: number;
  readonly ip6?: string;
  readonly mac?: string;
  readonly mtu?: number;
}

export interface UserNetwork {
  /** The tap device's name in the sandbox. */
  readonly name: string;
  /** slirp4netns' virtual network (10.0.2.0/24 unless --ip names another /24). */
  readonly network: Ipv4Net;
  /** The sandbox's address (slirp4netns' recommended .100 unless --ip). */
  readonly address: string;
  /** The gateway (the network's .2) and the DNS forwarder (.3), slirp4netns' fixed offsets. */
  readonly gateway: string;
  readonly dns: string;
  readonly mtu: number;
  readonly mac?: string;
}

export interface NetTools {
  readonly ip: string;
  readonly nsenter: string;
  readonly mount: string;
  readonly slirp4netns?: string;
  readonly iptablesRestore?: string;
  readonly ip6tablesRestore?: string;
  readonly arping?: string;
  /** busybox's DHCP client (package udhcpc), for --ip=dhcp; it quits once it has a lease (-q). */
  readonly udhcpc?: string;
  /** nftables' nft, for `netlock`. */
  readonly nft?: string;
}

/** A firewall loaded into the sandbox's namespace from outside before the program starts. */
export interface NetFilter {
  /** Where the rules came from, for messages: a file, or kiln's default client filter. */
  readonly source: string;
  /** iptables-restore (or ip6tables-restore) input, with Firejail's $ARGn already replaced. */
  readonly rules: string;
}

export interface NetPlan {
  readonly mode: 'user' | 'root';
  readonly tools: NetTools;
  /** user mode: the one user-mode interface. */
  readonly user?: UserNetwork;
  /** root mode: up to four interfaces, in order. */
  readonly interfaces: readonly RootInterface[];
  /** root mode: the default route's gateway (--defaultgw); else the first interface's network's gateway. */
  readonly defaultGateway?: string;
  readonly filter4?: NetFilter;
  readonly filter6?: NetFilter;
  /**
   * Where a fresh read-only sysfs goes (the sandbox's /sys, under the tree's root for --chroot), so that
   * /sys/class/net shows the sandbox's devices. Absent: the profile hides /sys.
   */
  readonly sysfs?: string;
  /** The DNS servers the sandbox's resolv.conf names (empty: the host's resolv.conf, unchanged). */
  readonly dns: readonly string[];
  /**
   * The sandbox's resolv.conf is `resolv.conf` in its helper directory, bound read-only over the host's,
   * which the set-up stage fills with the DNS servers a DHCP lease names (--ip=dhcp without --dns).
   */
  readonly dhcpResolv?: true;
  /** `netlock`: learn the peers for this many seconds from the program's start, then allow only them. */
  readonly netlockSeconds?: number;
}
