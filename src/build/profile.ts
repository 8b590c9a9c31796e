/**
 * A profile from what one run of a program used (observe.ts): pure, so the same observations always give
 * the same text. Each line is there because of what was, or was not, observed:
 *
 * - the standard disable-*.inc fragments, except those that would hide what the program used;
 * - whitelist (with noblacklist) for the home paths it reached, collapsed to what a user recognizes
 *   (~/.config/NAME, ~/.NAME), or `private` when it reached none;
 * - private-bin, private-etc with the exact names used; private-lib when only ELF programs ran;
 * - seccomp.keep with the syscalls made (plus what every program needs to end and take signals);
 * - protocol with the socket families opened; `net none` when only unix (and netlink) sockets were;
 * - dbus-user/dbus-system none when no bus was contacted; the device switches for devices not opened.
 */

import { BIN_DIRS } from '../plan/private-bin.ts';

export interface BuildContext {
  /** The program and its arguments as given to --build. */
  readonly program: readonly string[];
  /** kiln's command line, for the header. */
  readonly commandLine: readonly string[];
  /** ISO date for the header. */
  readonly date: string;
  readonly version: string;
  readonly home: string;
  /** The session bus's socket paths (DBUS_SESSION_BUS_ADDRESS, $XDG_RUNTIME_DIR/bus). */
  readonly sessionBus: readonly string[];
  readonly systemBus: readonly string[];
  /** Whether an include file resolves on this machine (the profile search path or kiln's built-ins). */
  readonly includeExists: (name: string) => boolean;
  /** For each script the program ran: its interpreter and, for `#!/usr/bin/env NAME`, NAME's path. */
  readonly interpreters: ReadonlyMap<string, readonly string[]>;
  /** For a program in a binary directory that is a symlink: the paths it leads to, in order. */
  readonly binLinks: ReadonlyMap<string, readonly string[]>;
  /** The programs run that are ELF executables (not scripts). */
  readonly elf: ReadonlySet<string>;
  /** The syscall names kiln knows on this architecture. */
  readonly knownSyscalls: ReadonlySet<string>;
  /** Offer private-lib (the builder drops it when the verification run fails with it). */
  readonly privateLib: boolean;
}

export interface Observations {
  readonly syscalls: ReadonlySet<string>;
  readonly paths: ReadonlyMap<string, { readonly roles: ReadonlySet<string> }>;
  readonly execs: readonly string[];
  readonly families: ReadonlySet<string>;
  readonly unixPeers: ReadonlySet<string>;
}

const LIB_DIRS = ['/lib', '/lib64', '/usr/lib', '/usr/lib64', '/usr/local/lib'];

/** What every program needs beyond what it was seen to call: to be started, to end, and to take a signal. */
const RUNTIME_SYSCALLS = ['execve', 'exit', 'exit_group', 'rt_sigreturn', 'restart_syscall'];

const FAMILIES: Readonly<Record<string, string>> = { AF_UNIX: 'unix', AF_LOCAL: 'unix', AF_INET: 'inet', AF_INET6: 'inet6', AF_NETLINK: 'netlink', AF_PACKET: 'packet', AF_BLUETOOTH: 'bluetooth' };

const SHELLS = /^(sh|bash|dash|zsh|ksh|mksh|csh|tcsh|fish|busybox)$/;
const INTERPRETERS = /^(python|perl|ruby|lua|luajit|node|nodejs|php|tclsh|wish|java|guile|Rscript|gjs)[0-9.]*$/;
const XDG_DIRS = ['Desktop', 'Documents', 'Downloads', 'Music', 'Pictures', 'Videos', 'Templates', 'Public'];

/** The devices behind each switch, and whether a /dev path belongs to them. */
const DEVICE_SWITCHES: readonly (readonly [string, (p: string) => boolean, string])[] = [
  ['nosound', (p) => p.startsWith('/dev/snd/'), 'sound'],
  ['no3d', (p) => p.startsWith('/dev/dri/') || p.startsWith('/dev/nvidia') || p === '/dev/kfd', '3D acceleration'],
  ['novideo', (p) => /^\/dev\/(video|media)\d/.test(p), 'video capture'],
  ['noinput', (p) => p.startsWith('/dev/input/'), 'input devices'],
  ['nou2f', (p) => p.startsWith('/dev/hidraw'), 'U2F devices'],
  ['notv', (p) => p.startsWith('/dev/dvb/'), 'DVB TV devices'],
];

/** /dev entries that private-dev keeps (besides the devices above, which their switches govern). */
const PRIVATE_DEV = /^\/dev(\/(null|zero|full|random|urandom|tty|ptmx|console|stdin|stdout|stderr|pts(\/.*)?|shm(\/.*)?|fd(\/.*)?|mqueue(\/.*)?|log))?$/;

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
// The directories private-bin replaces: a program elsewhere is not affected by it, so is not listed.
const inBinDir = (p: string) => BIN_DIRS.includes(p.slice(0, p.lastIndexOf('/')));

/** A home path as a user would whitelist it: ~/.config/NAME, ~/.local/share/NAME, ~/.NAME, ~/FILE. */
export function homeEntry(home: string, path: string): string | undefined {
  if (!path.startsWith(`${home}/`)) return undefined;
  const parts = path.slice(home.length + 1).split('/');
  const [first = '', second, third] = parts;
  let depth = 1;
  if (first === '.config' || first === '.cache') depth = 2;
  else if (first === '.local') depth = second === 'share' || second === 'state' || second === 'lib' ? 3 : 2;
  // The container itself (~/.config, ~/.local/share): reached on the way to an entry, not whitelisted.
  if (parts.length < depth) return undefined;
  void third;
  return `${home}/${parts.slice(0, depth).join('/')}`;
}

function sorted(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

function withHomeMacro(home: string, path: string): string {
  return path === home ? '${HOME}' : path.startsWith(`${home}/`) ? `\${HOME}${path.slice(home.length)}` : path;
}

/** The programs that ran from the binary directories, with their interpreters and symlink targets. */
function binaries(obs: Observations, ctx: BuildContext): string[] {
  const names = new Set<string>();
  const add = (p: string) => {
    if (!inBinDir(p)) return;
    names.add(basename(p));
    for (const target of ctx.binLinks.get(p) ?? []) if (inBinDir(target)) names.add(basename(target));
  };
  for (const e of obs.execs) {
    add(e);
    for (const i of ctx.interpreters.get(e) ?? []) add(i);
  }
  return sorted(names);
}

/** Every program name that ran, scripts' interpreters included (for the include choices). */
function ranNames(obs: Observations, ctx: BuildContext): Set<string> {
  const names = new Set<string>();
  for (const e of obs.execs) {
    names.add(basename(e));
    for (const i of ctx.interpreters.get(e) ?? []) names.add(basename(i));
    for (const t of ctx.binLinks.get(e) ?? []) names.add(basename(t));
  }
  return names;
}

export interface BuiltProfile {
  readonly text: string;
  /** The lines that are commands (not comments), for reports. */
  readonly commands: readonly string[];
}

export function buildProfile(obs: Observations, ctx: BuildContext): BuiltProfile {
  const paths = [...obs.paths.keys()];
  const ran = ranNames(obs, ctx);
  const out: string[] = [];
  const cmd = (line: string, why?: string) => out.push(why === undefined ? line : `${line}\t# ${why}`);
  const name = basename(ctx.program[0] ?? 'program');

  out.push(`# kiln profile for ${name}, written by kiln --build`);
  out.push(`# date: ${ctx.date}`);
  out.push(`# kiln version: ${ctx.version}`);
  out.push(`# command: ${ctx.commandLine.join(' ')}`);
  out.push('# Built from one traced run, then run again under this profile to check it. Review before use:');
  out.push('# what the program did not do in that run is not allowed here.');
  out.push(`include ${name}.local`, 'include globals.local', '');

  // ── blacklists ─────────────────────────────────────────────────────────────────────────────────────
  const fromHome = obs.execs.some((e) => under(e, ctx.home) || under(e, '/tmp') || under(e, '/var') || under(e, '/run'));
  const includes: [string, boolean, string][] = [
    ['disable-common.inc', true, 'dangerous paths such as ~/.ssh and ~/.gnupg'],
    ['disable-devel.inc', ![...ran].some((n) => /^(gcc|cc|g\+\+|clang|gdb|strace|ltrace|valgrind|make)(-\d+)?$/.test(n)), 'compilers and debuggers'],
    ['disable-exec.inc', !fromHome, 'no programs run from the home, /tmp or /var'],
    ['disable-interpreters.inc', ![...ran].some((n) => INTERPRETERS.test(n)), 'perl, python, lua and the like'],
    ['disable-programs.inc', true, "other programs' settings"],
    ['disable-shell.inc', ![...ran].some((n) => SHELLS.test(n)), 'shells'],
    ['disable-write-mnt.inc', true, 'no writing under /mnt and /media'],
    ['disable-xdg.inc', !paths.some((p) => XDG_DIRS.some((d) => under(p, `${ctx.home}/${d}`))), 'Documents, Downloads, Music and the like'],
  ];
  for (const [inc, wanted, why] of includes) {
    if (!ctx.includeExists(inc)) out.push(`# include ${inc}\t# not found on this machine`);
    else if (wanted) cmd(`include ${inc}`, why);
    else out.push(`# include ${inc}\t# not included: the program used what it hides`);
  }
  out.push('');

  // ── home ───────────────────────────────────────────────────────────────────────────────────────────
  const homeEntries = sorted(paths.flatMap((p) => homeEntry(ctx.home, p) ?? []));
  if (homeEntries.length === 0) cmd('private', 'the program used nothing in the home directory');
  for (const e of homeEntries) cmd(`noblacklist ${withHomeMacro(ctx.home, e)}`);
  for (const e of homeEntries) cmd(`whitelist ${withHomeMacro(ctx.home, e)}`);
  if (!paths.some((p) => under(p, `${ctx.home}/.cache`)) && homeEntries.length > 0) cmd('private-cache');
  out.push('');

  // ── security filters ───────────────────────────────────────────────────────────────────────────────
  cmd('caps.drop all');
  cmd('nonewprivs');
  cmd('noroot');
  if (![...obs.syscalls].some((s) => /^(shm|sem|msg)(get|ctl|at|op|snd|rcv|timedop|dt)$/.test(s))) cmd('ipc-namespace');
  const families = sorted([...obs.families].flatMap((f) => FAMILIES[f] ?? []));
  const unknownFamilies = [...obs.families].filter((f) => FAMILIES[f] === undefined);
  cmd(`protocol ${(families.length > 0 ? families : ['unix']).join(',')}`, families.length > 0 ? undefined : 'no socket was opened');
  if (unknownFamilies.length > 0) out.push(`# also opened: ${unknownFamilies.join(', ')} (protocol cannot name them)`);
  const networked = [...obs.families].some((f) => f !== 'AF_UNIX' && f !== 'AF_LOCAL' && f !== 'AF_NETLINK');
  if (networked) cmd('netfilter', 'the program opened network sockets');
  else cmd('net none', 'no network socket was opened');
  const keep = sorted([...obs.syscalls, ...RUNTIME_SYSCALLS].filter((s) => ctx.knownSyscalls.has(s)));
  const unknown = [...obs.syscalls].filter((s) => !ctx.knownSyscalls.has(s));
  cmd(`seccomp.keep ${keep.join(',')}`);
  if (unknown.length > 0) out.push(`# also called, unknown to kiln's tables: ${sorted(unknown).join(', ')}`);
  out.push('# tracelog');
  out.push('');

  // ── devices, buses ─────────────────────────────────────────────────────────────────────────────────
  const devs = paths.filter((p) => under(p, '/dev'));
  for (const [sw, matches, what] of DEVICE_SWITCHES) if (!devs.some(matches)) cmd(sw, `no ${what} opened`);
  if (devs.every((d) => PRIVATE_DEV.test(d) || DEVICE_SWITCHES.some(([, m]) => m(d)))) cmd('private-dev');
  const contacted = (bus: readonly string[]) => [...obs.unixPeers].some((p) => bus.includes(p));
  if (!contacted(ctx.sessionBus)) cmd('dbus-user none', 'no session bus contacted');
  else out.push('# the program used the session bus: `dbus-user filter` with its names would narrow it');
  if (!contacted(ctx.systemBus)) cmd('dbus-system none', 'no system bus contacted');
  else out.push('# the program used the system bus: `dbus-system filter` with its names would narrow it');
  out.push('');

  // ── private copies ─────────────────────────────────────────────────────────────────────────────────
  if (!paths.some((p) => under(p, '/mnt') || under(p, '/media') || under(p, '/run/mount') || under(p, '/run/media'))) cmd('disable-mnt');
  const bins = binaries(obs, ctx);
  if (bins.length > 0) cmd(`private-bin ${bins.join(',')}`);
  const etc = sorted(paths.filter((p) => p.startsWith('/etc/')).map((p) => p.slice('/etc/'.length).split('/')[0] ?? ''));
  if (etc.length > 0) cmd(`private-etc ${etc.join(',')}`);
  else out.push('# private-etc: nothing in /etc was used, and private-etc needs at least one name');
  const onlyElf = obs.execs.length > 0 && obs.execs.every((e) => ctx.elf.has(e) && (ctx.interpreters.get(e) ?? []).length === 0);
  const libFiles = paths.filter((p) => LIB_DIRS.some((d) => under(p, d)));
  const libsAreLibs = libFiles.every((p) => /\.so(\.[0-9.]+)?$/.test(p) || /\/(locale|gconv)(\/|$)/.test(p) || LIB_DIRS.includes(p) || /\/(lib|lib64)\/[^/]+-linux-gnu$/.test(p));
  if (ctx.privateLib && onlyElf && libsAreLibs) cmd('private-lib');
  const tmpUsed = paths.filter((p) => under(p, '/tmp') && p !== '/tmp' && !under(p, '/tmp/.X11-unix'));
  const preexisting = tmpUsed.filter((p) => !tmpUsed.some((q) => under(p, q) && obs.paths.get(q)?.roles.has('create') === true));
  if (preexisting.length === 0) cmd('private-tmp');
  else out.push(`# private-tmp would hide what the program used in /tmp: ${preexisting.slice(0, 5).join(', ')}${preexisting.length > 5 ? ', …' : ''}`);
  out.push('');

  const text = `${out.join('\n')}\n`;
  const commands = out.filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('\t')[0] ?? l);
  return { text, commands };
}
