/**
 * Host facts: everything about the machine and the caller that planning needs, read once before planning
 * so that `planLaunch` stays pure.
 */
import { probeTools, type Tools } from './tools.ts';
import { HostError } from '../errors.ts';
import { readText, stat, realPath } from '../sys/fs.ts';
import { libc, ptr, SYS_landlock_create_ruleset } from '../sys/libc.ts';
import { probeBwrap, type BwrapInfo } from './bwrap.ts';
import type { ChrootFacts } from './chroot.ts';
import { hostFsView, type FsView } from './fsview.ts';
import { probeAppArmor, type AppArmorFacts } from './apparmor.ts';

export interface HostFacts {
  readonly uid: number;
  readonly gid: number;
  /** True when kiln runs as root: no user namespace, real capabilities. */
  readonly isRoot: boolean;
  readonly user: string;
  readonly home: string;
  /** The user's login shell, from the passwd database (or $SHELL, or /bin/sh). */
  readonly shell: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** $XDG_RUNTIME_DIR or /run/user/UID. */
  readonly runtimeDir: string;
  readonly bwrap: BwrapInfo;
  /** tini, env and timeout's paths (host/tools.ts). */
  readonly tools: Tools;
  readonly arch: string;
  /** The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap). */
  readonly capLastCap: number;
  /** kiln's permitted capability set (CapPrm in /proc/self/status); empty for an unprivileged caller. */
  readonly capPermitted: bigint;
  /** The host file system as the planner may see it (lazily read, cached). */
  readonly fs: FsView;
  /** 32 random hex digits, for a spoofed machine-id; drawn here so that planning stays deterministic. */
  readonly randomId: string;
  /**
   * Where kiln keeps its state (registry, plan cache): /run/kiln for root; $XDG_RUNTIME_DIR/kiln, or
   * ~/.cache/kiln when the user has no runtime directory. Sandboxes never see it.
   */
  readonly stateDir: string;
  /** $XDG_CACHE_HOME/kiln or ~/.cache/kiln (bwrap's options are cached there). */
  readonly cacheDir: string;
  /** The Landlock ABI version the kernel offers; 0 without Landlock. */
  readonly landlockAbi: number;
  /** Whether the kernel runs AppArmor, and which profiles are loaded where kiln may see (host/apparmor.ts). */
  readonly apparmor: AppArmorFacts;
  /**
   * kiln's own binary, canonical: a program lookup passes over PATH entries that are kiln (the links a
   * firecfg puts in /usr/local/bin), which would only run kiln again. Absent in tests' fake facts.
   */
  readonly selfExe?: string;
  /** --chroot=DIR, checked (host/chroot.ts); `fs` is then DIR's view, and this holds the host's own. */
  readonly chroot?: ChrootFacts;
}

interface PasswdEntry {
  name: string;
  home: string;
  shell: string;
}

export function lookupPasswd(uid: number): PasswdEntry | undefined {
  const text = readText('/etc/passwd');
  if (text === undefined) return undefined; // no passwd file (some containers): fall back to the environment
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && Number(f[2]) === uid) return { name: f[0] ?? '', home: f[5] ?? '', shell: f[6] ?? '' };
  }
  return undefined;
}

function cacheDirFor(env: Readonly<Record<string, string>>, home: string): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && xdg.startsWith('/')) return `${xdg}/kiln`;
  return home === '' || home === '/' ? undefined : `${home}/.cache/kiln`;
}

/** What kiln reads of the caller's process and kernel on every launch: cheap, and keys the plan cache. */
export type CallerFacts = Omit<HostFacts, keyof SystemFacts>;

/**
 * What kiln reads of the system's files (the passwd database, the bwrap binary and its options): a launch
 * from the plan cache takes these from the cached entry, whose recorded facts cover the files they came
 * from, so they are read again only when planning afresh.
 */
export interface SystemFacts {
  readonly user: string;
  readonly home: string;
  readonly shell: string;
  readonly bwrap: BwrapInfo;
  readonly cacheDir: string;
  /** tini, env and timeout's paths (host/tools.ts). */
  readonly tools: Tools;
}

function homeOf(env: Readonly<Record<string, string>>, pw: PasswdEntry | undefined): string {
  return env['HOME'] ?? pw?.home ?? '/';
}

function selfExe(): { selfExe?: string } {
  const exe = realPath('/proc/self/exe');
  return exe === undefined ? {} : { selfExe: exe };
}

export function probeCaller(): CallerFacts {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const euid = process.geteuid?.() ?? uid;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const isRoot = euid === 0;
  if (!isRoot) checkUserNamespaces();
  const runtimeDir = env['XDG_RUNTIME_DIR'] ?? `/run/user/${uid}`;
  // The state directory holds the plan cache, so it comes before it; only without $HOME does that cost a
  // passwd lookup here.
  const home = () => homeOf(env, env['HOME'] === undefined ? lookupPasswd(uid) : undefined);
  return {
    uid,
    gid,
    isRoot,
    cwd: process.cwd(),
    env,
    runtimeDir,
    arch: process.arch,
    capLastCap: Number(readSysctl('/proc/sys/kernel/cap_last_cap') ?? '40'),
    capPermitted: isRoot ? readCapPermitted() : 0n,
    fs: hostFsView(),
    stateDir: isRoot ? stateDirFor(uid, runtimeDir, '/') : stateDirFor(uid, runtimeDir, home()),
    landlockAbi: landlockAbi(),
    apparmor: probeAppArmor(),
    randomId: randomHex(),
    ...selfExe(),
  };
}

/**
 * The first of the passwd shell and $SHELL that is not kiln itself (kiln may be a user's login shell),
 * else /bin/bash or /bin/sh.
 */
function userShell(candidates: readonly (string | undefined)[], self: string | undefined): string {
  for (const c of candidates) {
    if (c === undefined || c === '') continue;
    if (c.slice(c.lastIndexOf('/') + 1) === 'kiln' || (self !== undefined && realPath(c) === self)) continue;
    return c;
  }
  return realPath('/bin/bash') !== undefined ? '/bin/bash' : '/bin/sh';
}

export async function probeSystem(caller: CallerFacts): Promise<SystemFacts> {
  const { env, uid } = caller;
  const pw = lookupPasswd(uid);
  const home = homeOf(env, pw);
  return {
    user: pw?.name ?? env['USER'] ?? String(uid),
    home,
    shell: userShell([pw?.shell, env['SHELL']], caller.selfExe),
    bwrap: await probeBwrap(env, cacheDirFor(env, home)),
    cacheDir: cacheDirFor(env, home) ?? `${home}/.cache/kiln`,
    tools: probeTools(env),
  };
}

export async function probeHost(): Promise<HostFacts> {
  const caller = probeCaller();
  return { ...caller, ...(await probeSystem(caller)) };
}

/** NOTE: never a shared directory like /tmp, where another user could plant entries or symlinks first. */
export function stateDirFor(uid: number, runtimeDir: string, home: string): string {
  if (uid === 0) return '/run/kiln';
  const st = stat(runtimeDir);
  if (st !== undefined && st.isDir && st.uid === uid) return `${runtimeDir}/kiln`;
  return `${home}/.cache/kiln`;
}

function landlockAbi(): number {
  const LANDLOCK_CREATE_RULESET_VERSION = 1;
  const v = Number(libc().syscall(SYS_landlock_create_ruleset, 0, 0, LANDLOCK_CREATE_RULESET_VERSION));
  return v > 0 ? v : 0;
}

/** capget(2) rather than /proc/self/status: one call instead of reading and searching a 1.5 kB file. */
function readCapPermitted(): bigint {
  const header = new Uint32Array([0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0]);
  const data = new Uint32Array(6); // { effective, permitted, inheritable } × 2
  if (libc().capget(ptr(header), ptr(data)) !== 0) return 0n;
  return (BigInt(data[4] ?? 0) << 32n) | BigInt(data[1] ?? 0);
}

/** 32 hex digits from getrandom(2); the JavaScript crypto module costs a cold start more to set up. */
function randomHex(): string {
  const bytes = new Uint8Array(16);
  if (Number(libc().getrandom(ptr(bytes), bytes.length, 0)) !== bytes.length) crypto.getRandomValues(bytes);
  return [...bytes].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function readSysctl(path: string): string | undefined {
  return readText(path)?.trim(); // undefined: the knob does not exist on this kernel
}

/**
 * Names the setting that blocks unprivileged user namespaces, if one does. bwrap would fail later with a
 * vaguer message.
 */
function checkUserNamespaces(): void {
  if (readSysctl('/proc/sys/user/max_user_namespaces') === '0') {
    throw new HostError(
      'user namespaces are disabled (user.max_user_namespaces = 0); enable them with: sysctl -w user.max_user_namespaces=15000',
    );
  }
  if (readSysctl('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    throw new HostError(
      'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0); enable them with: sysctl -w kernel.unprivileged_userns_clone=1',
    );
  }
  // NOTE: Ubuntu confines the restriction with per-program AppArmor profiles; bwrap gets one there.
  if (
    readSysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1' &&
    stat('/etc/apparmor.d/bwrap-userns-restrict') === undefined
  ) {
    throw new HostError(
      'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1); ' +
        'allow bwrap with an AppArmor profile granting "userns", or run: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0',
    );
  }
}
