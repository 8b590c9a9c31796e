/**
 * `kiln --profile.explain`: a resolved policy in words. What is hidden, read-only, whitelisted and
 * private; which filters are on; what the network, D-Bus and environment look like; and what kiln
 * cannot enforce yet. Each rule names the line it came from. Pure: Policy → text.
 */
import { formatOrigin, quoteRaw, type Origin } from '../profile/diagnostics.ts';
import type { FsRule, Policy, SeccompPolicy, SyscallSpec } from './policy.ts';

type Section = { title: string; lines: string[] };

function at(origin: Origin): string {
  return `  (${formatOrigin(origin)})`;
}

function listOf(items: readonly string[] | undefined, none = '(none)'): string {
  return items === undefined || items.length === 0 ? none : items.map(quoteRaw).join(', ');
}

function rulesOf<K extends FsRule['kind']>(p: Policy, kind: K): (FsRule & { kind: K })[] {
  return p.fs.filter((r): r is FsRule & { kind: K } => r.kind === kind);
}

function fsSections(p: Policy): Section[] {
  const hidden = rulesOf(p, 'blacklist').map((r) => {
    const except = r.except.length > 0 ? ` except ${listOf(r.except)}` : '';
    return `${quoteRaw(r.path)}${except}${at(r.origin)}`;
  });
  const exempted = p.exempted.map((e) => `${quoteRaw(e.rule.path)}: ${e.rule.kind} at ${formatOrigin(e.rule.origin)}, cancelled by ${formatOrigin(e.by)}`);
  const whitelisted = rulesOf(p, 'whitelist').map((r) => `${quoteRaw(r.path)}${r.readOnly ? ' (read-only)' : ''}${at(r.origin)}`);
  const other = p.fs
    .filter((r) => r.kind !== 'blacklist' && r.kind !== 'whitelist')
    .map((r) => (r.kind === 'bind' ? `bind ${quoteRaw(r.src)} over ${quoteRaw(r.dest)}${at(r.origin)}` : `${r.kind} ${quoteRaw(r.path)}${at(r.origin)}`));
  const priv: string[] = [];
  if (p.privateHome?.kind === 'tmpfs') priv.push('home: an empty temporary directory (private)');
  if (p.privateHome?.kind === 'dir') priv.push(`home: ${quoteRaw(p.privateHome.dir)} (private DIR)`);
  if (p.privateHomeList !== undefined) priv.push(`home: temporary, with copies of ${listOf(p.privateHomeList)}`);
  for (const [name, list] of [['/bin', p.privateBin], ['/etc', p.privateEtc], ['/lib', p.privateLib], ['/opt', p.privateOpt], ['/srv', p.privateSrv]] as const) {
    if (list !== undefined) priv.push(`${name}: only ${listOf(list, '(nothing listed)')}`);
  }
  const flags: [boolean, string][] = [
    [p.privateTmp, '/tmp: private'],
    [p.privateCache, '~/.cache: private'],
    [p.privateDev, '/dev: private (a minimal device set)'],
    [p.disableMnt, '/mnt, /media, /run/mount, /run/media: hidden'],
    [p.machineId, '/etc/machine-id: a random id'],
    [p.writableEtc, '/etc: writable'],
    [p.writableVar, '/var: writable'],
    [p.writableVarLog, '/var/log: the real one'],
    [p.writableRunUser, '/run/user/UID: systemd and gnupg sockets visible'],
    [p.allusers, '/home: every user visible'],
    [p.keepDevShm, '/dev/shm: kept'],
    [p.keepVarTmp, '/var/tmp: kept'],
  ];
  for (const [on, text] of flags) if (on) priv.push(text);
  const devices = Object.entries(p.devices).filter(([, off]) => off).map(([name]) => name);
  if (devices.length > 0) priv.push(`devices removed: ${devices.join(', ')}`);
  if (p.privateCwd !== undefined) priv.push(`working directory: ${p.privateCwd.kind === 'home' ? 'home' : quoteRaw(p.privateCwd.dir)}`);
  return [
    { title: 'Hidden (blacklist)', lines: hidden },
    { title: 'Not hidden, cancelled by noblacklist/nowhitelist', lines: exempted },
    { title: 'Whitelisted (everything else in their top directories is hidden)', lines: whitelisted },
    { title: 'Read-only, read-write, noexec, tmpfs, bind, mkdir, mkfile (in mount order)', lines: other },
    { title: 'Private and special directories', lines: priv },
  ];
}

function syscalls(list: readonly SyscallSpec[] | undefined): string {
  if (list === undefined) return '';
  return list.map((s) => `${s.exclude ? '!' : ''}${s.name}${s.action !== undefined ? `:${s.action}` : ''}`).join(',');
}

function seccompLines(s: SeccompPolicy | undefined): string[] {
  if (s === undefined) return ['seccomp: off (kiln still blocks terminal injection)'];
  const out: string[] = [];
  if (s.defaultList) out.push(`seccomp: the default blocklist${s.extraDrop.length > 0 ? ` plus ${syscalls(s.extraDrop)}` : ''}`);
  if (s.drop !== undefined) out.push(`seccomp.drop: ${syscalls(s.drop)}`);
  if (s.keep !== undefined) out.push(`seccomp.keep (allowlist): ${syscalls(s.keep)}`);
  if (s.defaultList32) out.push(`seccomp.32: the default blocklist${s.extraDrop32.length > 0 ? ` plus ${syscalls(s.extraDrop32)}` : ''}`);
  if (s.drop32 !== undefined) out.push(`seccomp.32.drop: ${syscalls(s.drop32)}`);
  if (s.keep32 !== undefined) out.push(`seccomp.32.keep (allowlist): ${syscalls(s.keep32)}`);
  if (s.blockSecondary) out.push('secondary architectures: blocked');
  if (s.memoryDenyWriteExecute) out.push('memory-deny-write-execute: on');
  if (s.allowDebuggers) out.push('debuggers: allowed (ptrace)');
  out.push(`blocked calls: ${s.errorAction.kind === 'errno' ? `fail with ${s.errorAction.errno}` : s.errorAction.kind}`);
  if (s.protocols !== undefined) out.push(`socket families: ${s.protocols.join(', ')} only`);
  if (s.restrictNamespaces !== undefined) out.push(`new namespaces refused: ${s.restrictNamespaces.join(', ')}`);
  return out;
}

function filterSection(p: Policy): Section {
  const caps = p.caps;
  const capText = caps.kind === 'unchanged' ? 'unchanged' : caps.kind === 'default-filter' ? "Firejail's default filter" : caps.kind === 'drop-all' ? 'all dropped' : `${caps.kind} ${caps.caps.join(', ')}`;
  const lines = [`capabilities: ${capText}`, `no_new_privs: ${p.nonewprivs ? 'on' : 'off'}`, ...seccompLines(p.seccomp)];
  if (p.noroot) lines.push('noroot: a user namespace without root');
  if (p.nogroups) lines.push('supplementary groups: dropped');
  if (p.apparmor !== undefined) lines.push(`AppArmor: ${p.apparmor.profile ?? 'kiln-default'}${p.apparmorReplace ? ' (replacing)' : ' (stacked)'}`);
  return { title: 'Filters', lines };
}

function busText(name: string, bus: Policy['dbusUser']): string {
  switch (bus.kind) {
    case 'allow':
      return `${name}: allowed`;
    case 'none':
      return `${name}: none`;
    case 'filter':
      return `${name}: filtered; ${bus.rules.map((r) => `${r.verb} ${r.name}${'rule' in r ? `=${r.rule}` : ''}`).join(', ') || 'no names allowed'}`;
  }
}

function otherSection(p: Policy): Section {
  const lines: string[] = [];
  const net = p.net;
  lines.push(`network: ${net.kind === 'host' ? "the host's" : net.kind === 'none' ? 'none (loopback only)' : net.kind === 'netns' ? `namespace ${net.name}` : net.interfaces.map((i) => i.device).join(', ')}`);
  if (p.hostname !== undefined) lines.push(`hostname: ${p.hostname}`);
  if (p.dns.length > 0) lines.push(`dns: ${p.dns.join(', ')}`);
  if (p.netfilter !== undefined) lines.push(`netfilter: ${p.netfilter.kind === 'default' ? 'default' : quoteRaw(p.netfilter.path)}`);
  lines.push(busText('D-Bus session bus', p.dbusUser), busText('D-Bus system bus', p.dbusSystem));
  lines.push(`X11: ${p.x11.kind === 'server' ? `${p.x11.mode} server` : p.x11.kind}`);
  if (p.ipcNamespace) lines.push('IPC namespace: new');
  for (const [k, v] of p.env) lines.push(`env ${k}=${quoteRaw(v)}`);
  for (const k of p.rmenv) lines.push(`rmenv ${k}`);
  if (p.shell !== undefined) lines.push(`shell: ${p.shell}`);
  if (p.name !== undefined) lines.push(`sandbox name: ${p.name}`);
  if (p.timeoutSeconds !== undefined) lines.push(`timeout: ${p.timeoutSeconds} s`);
  for (const [k, v] of Object.entries(p.rlimits)) lines.push(`rlimit-${k}: ${String(v)}`);
  return { title: 'Network, D-Bus, environment, limits', lines };
}

export function explainPolicy(p: Policy): string {
  const notEnforced = [...new Set(p.notEnforced.map((n) => n.command))].sort();
  const sections: Section[] = [
    { title: 'Profile files read', lines: p.profiles.map(quoteRaw) },
    ...fsSections(p),
    filterSection(p),
    otherSection(p),
    { title: 'Recognized but not enforced by kiln yet', lines: notEnforced },
    { title: 'Ignored lines', lines: p.ignored.map((i) => `${quoteRaw(i.text)} (ignore ${quoteRaw(i.pattern)})${at(i.origin)}`) },
  ];
  const out: string[] = [];
  for (const s of sections) {
    out.push(`${s.title}:`);
    if (s.lines.length === 0) out.push('  (none)');
    for (const l of s.lines) out.push(`  ${l}`);
    out.push('');
  }
  return out.join('\n');
}
