/**
 * kiln's init stage, run inside the sandbox: bwrap execs kiln's own binary (passed in as an fd) in place
 * of the program. It applies what bwrap cannot (noexec and read-only remounts of sandbox paths), drops
 * capabilities to the policy's set, loads seccomp last, and execs the program.
 *
 * NOTE: an unprivileged sandbox runs in a user namespace nested below the one that owns bwrap's mounts,
 * so those mounts are locked and a plain remount fails with EPERM; in a mount namespace of our own the
 * copies can be remounted with flags added.
 */
import { assertNever, SyscallError } from '../errors.ts';
import { applyEnvChanges } from '../plan/env.ts';
import type { InitStep } from '../plan/types.ts';
import { isExecutableFile, mountOf, readText, stat, writeAll } from '../sys/fs.ts';
import { cString, cStringArray, errno, libc, ptr } from '../sys/libc.ts';
import { decodeInitConfig, type InitConfig } from './init-config.ts';
import { applyJoinLimits } from './join-apply.ts';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE, mountFlags, parseMountinfo } from './mountinfo.ts';
import { applyPreExec } from './pre-exec.ts';
import { requestAppArmor } from './apparmor.ts';

const CLONE_NEWNS = 0x00020000;
const ENOENT = 2;
const EINTR = 4;
const PR_CAPBSET_DROP = 24;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const PR_SET_SECCOMP = 22;
const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_MODE_FILTER = 2;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

function mount(src: string | null, dest: string, flags: number): number {
  const l = libc();
  const s = src === null ? null : cString(src);
  return l.mount(s === null ? null : ptr(s), ptr(cString(dest)), null, flags, null);
}

function readFd(fd: number): Uint8Array {
  const l = libc();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const buf = new Uint8Array(65536);
    const n = Number(l.read(fd, ptr(buf), buf.length));
    if (n < 0) throw new SyscallError('read', errno(), `init config fd ${fd}`);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
  }
  l.close(fd);
  return Buffer.concat(chunks);
}

const FLAG_BITS = { ro: MS_RDONLY, noexec: MS_NOEXEC, nosuid: MS_NOSUID, nodev: MS_NODEV } as const;

const EACCES = 13;

/** The visible mount at `path`, or undefined (missing, or unreachable: inside a hidden, mode 0000 dir). */
function visibleMount(path: string): { mntId: number; isRoot: boolean } | undefined {
  try {
    return mountOf(path);
  } catch (e) {
    if (e instanceof SyscallError && e.errno === EACCES) return undefined;
    throw e;
  }
}

function remount(step: Extract<InitStep, { kind: 'remount' }>): void {
  const add = step.flags.reduce((acc, f) => acc | FLAG_BITS[f], 0);
  const under = (mp: string) => mp === step.dest || mp.startsWith(step.dest === '/' ? '/' : `${step.dest}/`);
  const here = visibleMount(step.dest);
  if (here === undefined) return; // tolerated, as Firejail tolerates missing paths
  if (!here.isRoot && mount(step.dest, step.dest, MS_BIND | MS_REC) !== 0) {
    throw new SyscallError('mount(MS_BIND)', errno(), step.dest);
  }
  // NOTE: mountinfo still lists mounts that later mounts cover (the host's /dev/shm under bwrap's new
  // /dev, say); remounting by path would hit whatever is visible there instead. Only the mounts a path
  // really reaches, by statx's mount id, are remounted.
  for (const m of parseMountinfo(readText('/proc/self/mountinfo') ?? '')) {
    if (!under(m.mountPoint) || step.keep?.includes(m.mountPoint) === true || visibleMount(m.mountPoint)?.mntId !== m.id) continue;
    if (mount(null, m.mountPoint, MS_REMOUNT | MS_BIND | mountFlags(m.options) | add) !== 0) {
      throw new SyscallError('mount(MS_REMOUNT)', errno(), `${m.mountPoint} (${step.flags.join(',')})`);
    }
  }
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const ST = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, NOATIME: 1024, NODIRATIME: 2048, RELATIME: 4096 } as const;
const MS_NOATIME = 1024;
const MS_NODIRATIME = 2048;
const MS_RELATIME = 1 << 21;
const MS_STRICTATIME = 1 << 24;

/**
 * The flags a read-only remount of a bind of `path` must carry. In a user namespace the source mount's
 * flags are locked, and a remount that would clear one (atime mode included) fails with EPERM.
 */
function bindRemountFlags(path: string): number {
  const buf = new BigInt64Array(15); // struct statfs; f_flags is the 11th long on 64-bit Linux
  if (libc().statfs(ptr(cString(path)), ptr(buf)) !== 0) throw new SyscallError('statfs', errno(), path);
  const f = Number(buf[10]);
  const atime = f & ST.NOATIME ? MS_NOATIME : f & ST.RELATIME ? MS_RELATIME : MS_STRICTATIME;
  return MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | atime | (f & ST.NODIRATIME ? MS_NODIRATIME : 0);
}

let devNullFlags: number | undefined;
const TMPFS = cString('tmpfs');
const HIDDEN_DIR_DATA = cString('mode=0000');

/**
 * A blacklisted path, hidden as bwrap would have: a directory under an empty mode 0000 tmpfs, anything
 * else under a read-only /dev/null. Fails closed: a path that exists but cannot be hidden stops the launch.
 */
function hide(dest: string): void {
  const st = stat(dest); // followed, as mount(2) follows it
  if (st === undefined) return; // gone since planning: nothing left to hide
  const l = libc();
  const target = cString(dest);
  if ((st.mode & S_IFMT) === S_IFDIR) {
    if (l.mount(ptr(TMPFS), ptr(target), ptr(TMPFS), MS_NOSUID | MS_NODEV | MS_NOEXEC, ptr(HIDDEN_DIR_DATA)) !== 0) {
      throw new SyscallError('mount(tmpfs)', errno(), dest);
    }
    return;
  }
  if (mount('/dev/null', dest, MS_BIND) !== 0) {
    throw new SyscallError('mount(MS_BIND)', errno(), dest);
  }
  devNullFlags ??= bindRemountFlags('/dev/null');
  if (mount(null, dest, devNullFlags) !== 0) throw new SyscallError('mount(MS_REMOUNT)', errno(), `${dest} (ro)`);
}

function dropCapabilities(keep: readonly number[], lastCap: number, keepBounding: boolean): void {
  const l = libc();
  const kept = new Set(keep);
  for (let cap = 0; cap <= lastCap && !keepBounding; cap++) {
    if (!kept.has(cap) && l.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) !== 0 && errno() !== 22 /* EINVAL: unknown cap */) {
      throw new SyscallError('prctl(PR_CAPBSET_DROP)', errno(), `capability ${cap}`);
    }
  }
  l.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const held = new Uint32Array(6); // { effective, permitted, inheritable } × 2
  if (l.capget(ptr(header), ptr(held)) !== 0) throw new SyscallError('capget', errno());
  // Only what we hold: a join computes `keep` from the sandbox's record, and capset refuses to add.
  const mask = [0, 0];
  for (const c of keep) mask[c >> 5] = (mask[c >> 5] ?? 0) | (1 << (c & 31));
  mask[0] = (mask[0] ?? 0) & (held[1] ?? 0);
  mask[1] = (mask[1] ?? 0) & (held[4] ?? 0);
  const data = new Uint32Array([mask[0], mask[0], mask[0], mask[1], mask[1], mask[1]]);
  if (l.capset(ptr(header), ptr(data)) !== 0) throw new SyscallError('capset', errno());
}

/** A seccomp program and the struct sock_fprog over it, both kept alive by the caller until loaded. */
interface Filter {
  readonly program: Uint8Array;
  readonly fprog: BigUint64Array;
}

function prepareFilter(b64: string): Filter {
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  const program = Buffer.from(b64, 'base64');
  const fprog = new BigUint64Array(2);
  fprog[0] = BigInt(program.length / 8);
  fprog[1] = BigInt(ptr(program));
  return { program, fprog };
}

function loadSeccomp(filter: Filter): void {
  if (libc().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, BigInt(ptr(filter.fprog)), 0, 0) !== 0) {
    throw new SyscallError('prctl(PR_SET_SECCOMP)', errno());
  }
}

/**
 * Raises hard limits that must go up, while CAP_SYS_RESOURCE may still be held; the soft limits stay, so
 * the init stage itself is not bound by them yet.
 */
function raiseHardLimits(limits: readonly (readonly [number, string])[]): void {
  const cur = new BigUint64Array(2);
  for (const [resource, value] of limits) {
    const v = BigInt(value);
    if (libc().getrlimit(resource, ptr(cur)) !== 0) throw new SyscallError('getrlimit', errno(), `resource ${resource}`);
    if (v <= (cur[1] ?? 0n)) continue;
    if (libc().setrlimit(resource, ptr(new BigUint64Array([cur[0] ?? 0n, v]))) !== 0) throw new SyscallError('setrlimit', errno(), `resource ${resource} = ${value}`);
  }
}

/**
 * Sets the program's limits, soft and hard. NOTE: the last thing before the exec, with every buffer made
 * beforehand: under a small rlimit-as, this (Bun) process could not map another page.
 */
function prepareLimits(limits: readonly (readonly [number, string])[]): () => void {
  const bufs = limits.map(([resource, value]) => [resource, new BigUint64Array([BigInt(value), BigInt(value)])] as const);
  return () => {
    for (const [resource, buf] of bufs) {
      if (libc().setrlimit(resource, ptr(buf)) !== 0) throw new SyscallError('setrlimit', errno(), `resource ${resource}`);
    }
  };
}

const SIG_IGN = 1n;
const SIG_UNBLOCK = 1;
/** glibc's struct sigaction: handler, a 128-byte mask, flags, restorer (152 bytes on 64-bit). */
const SIGACTION_BYTES = 152;

/**
 * Gives the signals the supervisor's chain ignored their default action back, where this process still
 * ignores them (one Bun handles is reset by the exec anyway), and unblocks those --timeout's chain blocked.
 * NOTE: runs right before the exec: a signal that was held back arrives now, and ends this stage as it
 * would have ended the program.
 */
function restoreSignals(reset: readonly number[], unblock: readonly number[], reignore: readonly number[]): void {
  const l = libc();
  const old = new BigUint64Array(SIGACTION_BYTES / 8);
  const dfl = new BigUint64Array(SIGACTION_BYTES / 8);
  const ign = new BigUint64Array(SIGACTION_BYTES / 8);
  ign[0] = SIG_IGN;
  for (const sig of reignore) if (l.sigaction(sig, ptr(ign), null) !== 0) throw new SyscallError('sigaction', errno(), `signal ${sig}`);
  for (const sig of reset) {
    if (l.sigaction(sig, null, ptr(old)) !== 0) throw new SyscallError('sigaction', errno(), `signal ${sig}`);
    if (old[0] === SIG_IGN && l.sigaction(sig, ptr(dfl), null) !== 0) throw new SyscallError('sigaction', errno(), `signal ${sig}`);
  }
  if (unblock.length === 0) return;
  const set = new BigUint64Array(16); // sigset_t: 1024 bits
  for (const sig of unblock) set[(sig - 1) >> 6] = (set[(sig - 1) >> 6] ?? 0n) | (1n << BigInt((sig - 1) & 63));
  if (l.sigprocmask(SIG_UNBLOCK, ptr(set), null) !== 0) throw new SyscallError('sigprocmask', errno());
}

const CLONE_NEWNET = 0x40000000;
const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 1;

/** A network namespace of our own, with loopback up, as bwrap's --unshare-net would leave it. */
function unshareNet(): void {
  const l = libc();
  if (l.unshare(CLONE_NEWNET) !== 0) throw new SyscallError('unshare(CLONE_NEWNET)', errno());
  const fd = l.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new SyscallError('socket', errno(), 'to bring lo up');
  try {
    const ifr = new Uint8Array(40); // struct ifreq: ifr_name[16], then ifr_flags (short)
    ifr.set(new TextEncoder().encode('lo'));
    if (l.ioctl(fd, SIOCGIFFLAGS, ptr(ifr)) !== 0) throw new SyscallError('ioctl(SIOCGIFFLAGS)', errno(), 'lo');
    ifr[16] = (ifr[16] ?? 0) | IFF_UP;
    if (l.ioctl(fd, SIOCSIFFLAGS, ptr(ifr)) !== 0) throw new SyscallError('ioctl(SIOCSIFFLAGS)', errno(), 'lo');
  } finally {
    l.close(fd);
  }
}

const SYSFS = cString('sysfs');

function mountSysfs(dest: string): void {
  if (libc().mount(ptr(SYSFS), ptr(cString(dest)), ptr(SYSFS), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null) !== 0) {
    throw new SyscallError('mount(sysfs)', errno(), dest);
  }
}

/** pivot_root(2) has no libc wrapper; its number by Node's name of the architecture. */
const SYS_PIVOT_ROOT: Readonly<Record<string, number>> = { x64: 155, arm64: 41, ia32: 217 };
const MNT_DETACH = 2;

/**
 * --chroot: `dir` becomes the root and bwrap's root (kiln's libraries, the chroot's mount point) goes.
 * NOTE: mounts that came from bwrap's mount namespace are locked in ours, and pivot_root refuses a
 * locked new root (EINVAL); a fresh recursive bind of `dir` onto itself is not locked. pivot_root(".", ".")
 * stacks the old root on the new one, and the lazy unmount of "." removes it: no directory in the
 * chroot is needed to park it in.
 */
function pivotRoot(dir: string, cwd: string): void {
  const l = libc();
  const nr = SYS_PIVOT_ROOT[process.arch];
  if (nr === undefined) throw new SyscallError('pivot_root', 38 /* ENOSYS */, `not known on ${process.arch}`);
  if (mount(dir, dir, MS_BIND | MS_REC) !== 0) throw new SyscallError('mount(MS_BIND)', errno(), dir);
  if (l.chdir(ptr(cString(dir))) !== 0) throw new SyscallError('chdir', errno(), dir);
  const dot = cString('.');
  if (Number(l.syscall(nr, BigInt(ptr(dot)), BigInt(ptr(dot)), 0n)) !== 0) throw new SyscallError('pivot_root', errno(), dir);
  if (l.umount2(ptr(dot), MNT_DETACH) !== 0) throw new SyscallError('umount2', errno(), 'the old root');
  if (l.chdir(ptr(cString(cwd))) !== 0) throw new SyscallError('chdir', errno(), cwd);
}

/**
 * The last steps before the exec: the signals' dispositions, a join's or a launch's limits (see join-apply.ts: nothing may be allocated after
 * them), then the filters, last of all, since they may forbid setrlimit.
 */
function applyLast(config: InitConfig, filters: readonly Filter[], setLimits: () => void, tracelog?: () => void): void {
  restoreSignals(config.defaultSignals ?? [], config.unblockSignals ?? [], config.reignoreSignals ?? []);
  if (config.limits !== undefined) applyJoinLimits(config.limits);
  // Before the limits (sending the listener may need memory) and before the profile's filters (which may
  // refuse seccomp(2) itself).
  tracelog?.();
  setLimits();
  for (const f of filters) loadSeccomp(f);
}

/** The AppArmor profile asked for in place of the current one (apparmor-replace), for the exec's error. */
let changedProfile: string | undefined;

function apply(config: InitConfig): void {
  const l = libc();
  // First, while /proc is bwrap's and no step has hidden anything yet; it takes effect only at the exec.
  if (config.apparmor !== undefined && requestAppArmor(config.apparmor)) changedProfile = config.apparmor.mode === 'exec' ? config.apparmor.profile : undefined;
  if (config.steps.length > 0) {
    if (l.unshare(CLONE_NEWNS) !== 0) throw new SyscallError('unshare(CLONE_NEWNS)', errno());
    if (mount(null, '/', MS_REC | MS_SLAVE) !== 0) throw new SyscallError('mount(MS_SLAVE)', errno(), '/');
  }
  for (const step of config.steps) {
    switch (step.kind) {
      case 'remount':
        remount(step);
        break;
      case 'hide':
        hide(step.dest);
        break;
      case 'unshare-net':
        unshareNet();
        break;
      case 'sysfs':
        mountSysfs(step.dest);
        break;
      case 'pivot-root':
        pivotRoot(step.dir, step.cwd);
        break;
      default:
        assertNever(step);
    }
  }
  raiseHardLimits(config.rlimits ?? []);
  if (config.capsByBwrap !== true) dropCapabilities(config.keepCaps, config.lastCap, config.keepBounding === true);
  if (config.noNewPrivs === true && l.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) throw new SyscallError('prctl(PR_SET_NO_NEW_PRIVS)', errno());
  // Before the filters, which may not allow Landlock's system calls.
  if (config.scopeAbstract === true) applyPreExec([{ kind: 'landlock-scope-abstract' }]);
}

/**
 * Waits for the network set-up stage's byte (src/net/setup.ts). End of file means it failed (it has said
 * why) or was killed: the program must not start without its network's filter and addresses.
 */
function awaitNetwork(fd: number): void {
  const b = new Uint8Array(1);
  let n: number;
  do n = Number(libc().read(fd, ptr(b), 1));
  while (n < 0 && errno() === EINTR);
  libc().close(fd);
  if (n !== 1) {
    writeAll(2, 'kiln: the sandbox\'s network could not be set up; the program was not started\n');
    process.exit(1);
  }
}

function fail(e: unknown): never {
  writeAll(2, `kiln: init: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

/**
 * The first executable `name` on PATH, for a join; a name with a slash is taken as it is. A directory the
 * joiner cannot search is skipped, as execvp(3) skips it (isExecutableFile).
 */
function searchPath(name: string, pathVar: string | undefined): string {
  if (name.includes('/')) return name;
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const path = `${dir === '' ? '.' : dir}/${name}`;
    if (isExecutableFile(path)) return path;
  }
  return name; // execve reports ENOENT, as a shell would
}

/**
 * Entry point: `kiln --kiln-init=FD -- program args…`. Execs the program; for a file transfer, schedules
 * it and returns, and the process exits when it is done.
 */
/** Loaded on demand: a launch without tracelog never pays for it. */
async function loadTracelog(t: NonNullable<InitConfig['tracelog']>): Promise<() => void> {
  const { prepareTracelog } = await import('../tracelog/listen.ts');
  return prepareTracelog(t.fd, t.filter);
}

export async function runInit(configFd: number, argv: readonly string[]): Promise<void> {
  const config = decodeInitConfig(readFd(configFd));
  libc().close(config.exeFd);
  for (const fd of config.closeFds ?? []) libc().close(fd);
  try {
    if (config.treeFd !== undefined) {
      // bwrap has finished the tree (it exec'd us): the set-up stage may mount its sysfs now. If the stage
      // has already gone, the write fails, and the wait below says so.
      libc().write(config.treeFd, ptr(new Uint8Array([1])), 1);
      libc().close(config.treeFd);
    }
    if (config.awaitFd !== undefined) awaitNetwork(config.awaitFd);
    apply(config);
  } catch (e) {
    fail(e);
  }
  const filters = config.seccomp.map(prepareFilter);
  const transfer = config.transfer;
  if (transfer !== undefined) {
    try {
      applyLast(config, filters, () => {});
    } catch (e) {
      fail(e);
    }
    // Loaded on demand: a launch's init stage never pays for it.
    void import('../registry/transfer-op.ts').then(({ runTransferOp }) => process.exit(runTransferOp(transfer)));
    return;
  }
  // A join's program gets the sandbox's environment changes, and is looked up on the PATH they leave.
  const own = Object.fromEntries(Object.entries(process.env).map(([k, v]) => [k, v ?? '']));
  const env = config.env !== undefined ? applyEnvChanges(own, config.env) : Object.entries(own).map(([k, v]) => `${k}=${v}`);
  const pathVar = env.findLast((e) => e.startsWith('PATH='))?.slice('PATH='.length);
  const file = cString(config.searchPath === true ? searchPath(argv[0] ?? '', pathVar) : (argv[0] ?? ''));
  const a = cStringArray(argv);
  const en = cStringArray(env);
  const setLimits = prepareLimits(config.rlimits ?? []);
  try {
    const tracelog = config.tracelog === undefined ? undefined : await loadTracelog(config.tracelog);
    applyLast(config, filters, setLimits, tracelog);
  } catch (e) {
    fail(e);
  }
  libc().execve(ptr(file), ptr(a.array), ptr(en.array));
  const err = errno();
  void a.keep.length;
  void en.keep.length;
  // NOTE: with no_new_privs (bwrap always sets it) the kernel refuses, at the exec, a change of AppArmor
  // profile away from a confined label; stacking is always allowed.
  const aa = err === 1 /* EPERM */ && changedProfile !== undefined ? ` (the kernel refused the change to the AppArmor profile ${changedProfile} under no_new_privs; apparmor-stack avoids that)` : '';
  writeAll(2, `kiln: cannot run ${argv[0]}: ${new SyscallError('execve', err).message}${aa}\n`);
  process.exit(err === ENOENT ? 127 : 126);
}
