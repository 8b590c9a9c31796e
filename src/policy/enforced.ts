/**
 * Which directives the launch plan enforces today. Everything else lands in `policy.notEnforced`, and
 * kiln prints one warning per command: a command is never silently dropped.
 *
 * Keep this table in step with src/plan/ and src/launch/: when a Policy field starts to take effect,
 * flip its commands to `true` here (and add a test that the sandbox really enforces them).
 */
import type { Directive, DirectiveKind } from '../profile/directive.ts';

type Enforcement = { readonly [K in DirectiveKind]: boolean | ((d: Directive & { kind: K }) => boolean) };

const ENFORCEMENT: Enforcement = {
  // filesystem (plan/rules.ts, plan/whitelist.ts, plan/private*.ts, plan/baseline.ts)
  blacklist: true,
  'blacklist-nolog': true,
  noblacklist: true,
  whitelist: true,
  'whitelist-ro': true,
  nowhitelist: true,
  'read-only': true,
  'read-write': true,
  noexec: true,
  tmpfs: true,
  bind: true,
  mkdir: true,
  mkfile: true,
  private: true,
  'private-home': true,
  'private-bin': true,
  'private-etc': true,
  'private-opt': true,
  'private-srv': true,
  'private-lib': true,
  'private-cache': true,
  'private-tmp': true,
  'private-dev': true,
  'private-cwd': true,
  'disable-mnt': true,
  'machine-id': true,
  allusers: true,
  'writable-etc': true,
  'writable-var': true,
  'writable-var-log': true,
  'writable-run-user': true,
  'keep-var-tmp': true,
  'keep-dev-shm': true,
  'keep-config-pulse': true,
  noautopulse: true,
  'hosts-file': true,
  // devices (plan/devices.ts)
  no3d: true,
  nodvd: true,
  nosound: true,
  notv: true,
  nou2f: true,
  novideo: true,
  noinput: true,
  noprinters: true,
  // namespaces, identity, environment (plan/plan.ts, cli/main.ts)
  hostname: true,
  'ipc-namespace': true,
  // src/net/: root gets Firejail's bridge/macvlan model, an unprivileged user slirp4netns (docs/network.md);
  // what user-mode networking cannot give is said by the plan's warnings.
  net: true,
  netns: true,
  'veth-name': true,
  ip: true,
  ip6: true,
  iprange: true,
  dns: true,
  defaultgw: true,
  netmask: true,
  mac: true,
  mtu: true,
  // NOTE: a network filter acts only on a new namespace with interfaces (`net IFACE`); with the host's
  // network or `net none` Firejail has nothing to filter either.
  netfilter: true,
  netfilter6: true,
  // src/net/netlock.ts: an nftables table that switches from learning to locked at a fixed time.
  netlock: true,
  env: true,
  rmenv: true,
  shell: true,
  'keep-fd': true,
  quiet: true,
  name: true,
  'join-or-start': true,
  // An unprivileged sandbox's user namespace maps only the caller: there is no uid 0. For root the plan
  // warns, as Firejail does ("noroot option is not available").
  noroot: true,
  // root: supplementary groups are dropped before the exec. Unprivileged: the plan warns (see plan.ts).
  nogroups: true,
  // security filters (plan/caps.ts, plan/seccomp.ts)
  caps: true,
  'caps.drop': true,
  'caps.keep': true,
  // NOTE: bwrap sets no_new_privs for every sandbox, whatever the profile says.
  nonewprivs: true,
  seccomp: true,
  'seccomp.32': true,
  'seccomp.drop': true,
  'seccomp.32.drop': true,
  'seccomp.keep': true,
  'seccomp.32.keep': true,
  'seccomp.block-secondary': true,
  'seccomp-error-action': true,
  'memory-deny-write-execute': true,
  'allow-debuggers': true,
  protocol: true,
  'restrict-namespaces': true,
  // plan/apparmor.ts: the init stage asks for the profile at exec; a kernel without AppArmor has nothing
  // to enforce, which --debug says.
  apparmor: true,
  'apparmor-replace': true,
  'apparmor-stack': true,
  x11: true,
  'xephyr-screen': true,
  'dbus-user': true,
  'dbus-system': true,
  'dbus-user.own': true,
  'dbus-user.talk': true,
  'dbus-user.see': true,
  'dbus-user.call': true,
  'dbus-user.broadcast': true,
  'dbus-system.own': true,
  'dbus-system.talk': true,
  'dbus-system.see': true,
  'dbus-system.call': true,
  'dbus-system.broadcast': true,
  nodbus: true,
  tracelog: true,
  // resources and lifetime (plan/limits.ts, launch/exec.ts)
  cpu: true,
  nice: true,
  'rlimit-as': true,
  'rlimit-cpu': true,
  'rlimit-fsize': true,
  'rlimit-nofile': true,
  'rlimit-nproc': true,
  'rlimit-sigpending': true,
  timeout: true,
  'deterministic-exit-code': true,
  'deterministic-shutdown': true,
  // a private home gets no .inputrc that turns readline's completion off (plan/private.ts)
  tab: true,
};

export function isEnforced(d: Directive): boolean {
  const rule = ENFORCEMENT[d.kind] as boolean | ((d: Directive) => boolean);
  return typeof rule === 'boolean' ? rule : rule(d);
}
