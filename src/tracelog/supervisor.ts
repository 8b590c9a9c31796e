/**
 * tracelog's supervisor: kiln's own binary as `kiln --kiln-tracelog=3`, outside the sandbox. It receives
 * the seccomp listener from the init stage (fd 4), then answers every path call of the sandbox's
 * processes with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel runs the call as it would have, mounts and
 * all, so the supervisor only looks; it can never let the program reach what the blacklist hides. Before
 * answering, it resolves the path as the program named it and, if the plan hid that path, logs it.
 *
 * Its life is two fds: until the listener comes, the socket (end of file: the sandbox ended, or kiln died,
 * before the program started); then the listener, which reports POLLHUP when the last process that
 * carries the filter has gone, SIGKILL of any of them included.
 */
import { SyscallError } from '../errors.ts';
import { readText, writeAll } from '../sys/fs.ts';
import { errno, libc, ptr } from '../sys/libc.ts';
import type { Pointer } from 'bun:ffi';
import { receiveFd } from './fdpass.ts';
import { SYS_SECCOMP, tracelogLibc } from './ffi.ts';
import { hiddenBy, indexBlacklist, joinPath, type BlacklistIndex } from './match.ts';
import { suppressedLine, violationLine } from './message.ts';
import { tokenBucket, TRACELOG_BURST, TRACELOG_PER_SECOND } from './ratelimit.ts';
import { resolveInRoot } from './resolve.ts';
import { openSyslog, type LogSink } from './syslog.ts';
import { AT_FDCWD, pathSyscalls, type PathSyscall } from './syscalls.ts';
import type { TracelogConfig } from './start.ts';
import { archFromNode, archInfo, type Arch } from '../seccomp/arch.ts';
import { O_CLOEXEC, O_PATH, ENOENT, EINTR } from '../sys/flags.ts';

const SECCOMP_GET_NOTIF_SIZES = 3;
const NOTIF_BYTES = 80;
const RESP_BYTES = 24;
const IOCTL_RECV = 0xc0502100n;
const IOCTL_SEND = 0xc0182101n;
const IOCTL_ID_VALID = 0x40082102n;
const IOCTL_SET_FLAGS = 0x40082104n;
const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;
const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
const POLLIN = 1;
const POLLHUP = 0x10;
const PATH_MAX = 4096;

function readAllFd(fd: number): string {
  const l = libc();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const buf = new Uint8Array(65536);
    const n = Number(l.read(fd, ptr(buf), buf.length));
    if (n < 0) throw new SyscallError('read', errno(), 'the tracelog configuration');
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
  }
  l.close(fd);
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function checkSizes(): void {
  const sizes = new Uint16Array(3);
  const nr = SYS_SECCOMP[process.arch] ?? -1;
  if (Number(tracelogLibc().syscall(nr, BigInt(SECCOMP_GET_NOTIF_SIZES), 0n, BigInt(ptr(sizes)), 0n)) !== 0) {
    throw new SyscallError('seccomp(SECCOMP_GET_NOTIF_SIZES)', errno());
  }
  if (sizes[0] !== NOTIF_BYTES || sizes[1] !== RESP_BYTES) {
    throw new SyscallError('seccomp(SECCOMP_GET_NOTIF_SIZES)', 22, `unexpected sizes ${sizes[0]}/${sizes[1]}`);
  }
}

const pathBuf = new Uint8Array(PATH_MAX);
const local = new BigUint64Array(2);
const remote = new BigUint64Array(2);
const decoder = new TextDecoder();

/** The NUL-terminated string at `addr` in task `tid`, read a page at a time (the next may be unmapped). */
function readString(tid: number, addr: bigint): string | undefined {
  let got = 0;
  while (got < PATH_MAX) {
    const at = addr + BigInt(got);
    const len = Math.min(PATH_MAX - got, 4096 - Number(at % 4096n));
    local[0] = BigInt(ptr(pathBuf)) + BigInt(got);
    local[1] = BigInt(len);
    remote[0] = at;
    remote[1] = BigInt(len);
    const n = Number(tracelogLibc().process_vm_readv(tid, ptr(local), 1n, ptr(remote), 1n, 0n));
    if (n <= 0) return undefined;
    const nul = pathBuf.subarray(got, got + n).indexOf(0);
    if (nul >= 0) return decoder.decode(pathBuf.subarray(0, got + nul));
    got += n;
  }
  return undefined;
}

function readLink(path: string): string | undefined {
  const n = Number(libc().readlink(ptr(Buffer.from(`${path}\0`)), ptr(pathBuf), pathBuf.length));
  return n < 0 ? undefined : decoder.decode(pathBuf.subarray(0, n));
}

interface Context {
  readonly config: TracelogConfig;
  readonly index: BlacklistIndex;
  /** The watched calls by AUDIT_ARCH, then number. */
  readonly calls: ReadonlyMap<number, ReadonlyMap<number, PathSyscall>>;
  readonly listener: number;
  readonly log: LogSink;
  readonly limit: ReturnType<typeof tokenBucket>;
  readonly roots: Map<number, number>;
}

const idBuf = new BigUint64Array(1);

function stillValid(ctx: Context, id: bigint): boolean {
  idBuf[0] = id;
  return tracelogLibc().ioctl(ctx.listener, IOCTL_ID_VALID, ptr(idBuf)) === 0;
}

/**
 * Looks at one call, before the kernel runs it. Everything read from the task (its path, its working
 * directory, its root) is read first and confirmed by ID_VALID after: a pid reused in between would
 * otherwise name another process's memory.
 */
function inspect(ctx: Context, id: bigint, tid: number, args: BigUint64Array, call: PathSyscall): void {
  const written = readString(tid, args[call.path] ?? 0n);
  if (written === undefined || written === '') return;
  const dirfd = call.dirfd === undefined ? AT_FDCWD : Number(BigInt.asIntN(32, args[call.dirfd] ?? 0n));
  const base = written.startsWith('/') ? '/' : readLink(dirfd === AT_FDCWD ? `/proc/${tid}/cwd` : `/proc/${tid}/fd/${dirfd}`);
  if (base === undefined || !base.startsWith('/')) return;
  const root = rootOf(ctx, tid);
  if (root === undefined || !stillValid(ctx, id)) return;
  const f = call.follow;
  const follow = f.kind === 'always' || (f.kind === 'unless' && (Number(args[f.arg] ?? 0n) & f.bit) === 0);
  const path = resolveInRoot(root, joinPath(base, written), follow);
  if (path === undefined || hiddenBy(path, ctx.index) === undefined) return;
  const { log, suppressed } = ctx.limit.admit(performance.now());
  if (!log) return;
  const exe = readText(`/proc/${tid}/comm`)?.trim() ?? '?';
  if (suppressed > 0) ctx.log.write(suppressedLine(ctx.config.sandboxPid, ctx.config.name, suppressed));
  ctx.log.write(violationLine({ sandboxPid: ctx.config.sandboxPid, name: ctx.config.name, exe, pid: tid, syscall: call.name, path, asWritten: written }));
}

/** Root fds kept, by task id: opening and closing /proc/TID/root for every call cost two syscalls. */
const ROOTS_KEPT = 256;

/**
 * The task's root directory, as an O_PATH fd. NOTE: kept per task id and not checked again: a task that
 * changes its root later (chroot or pivot_root in a user namespace of its own), or a new task that gets
 * an old one's id with another root, is resolved against the root first seen (docs/tracelog.md).
 */
function rootOf(ctx: Context, tid: number): number | undefined {
  const kept = ctx.roots.get(tid);
  if (kept !== undefined) return kept;
  const fd = tracelogLibc().open(ptr(Buffer.from(`/proc/${tid}/root\0`)), O_PATH | O_CLOEXEC, 0);
  if (fd < 0) return undefined;
  if (ctx.roots.size >= ROOTS_KEPT) {
    const [oldTid, oldFd] = ctx.roots.entries().next().value as [number, number];
    ctx.roots.delete(oldTid);
    tracelogLibc().close(oldFd);
  }
  ctx.roots.set(tid, fd);
  return fd;
}

function serve(ctx: Context): void {
  const l = tracelogLibc();
  // NOTE: (6.6+) the woken side runs on the waker's CPU: the program and the supervisor hand the CPU to
  // each other instead of waking one another across CPUs. Older kernels refuse it (EINVAL): no matter.
  l.ioctl(ctx.listener, IOCTL_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP as unknown as Pointer);
  const notif = new BigUint64Array(NOTIF_BYTES / 8);
  const words = new Uint32Array(notif.buffer);
  const resp = new BigUint64Array(RESP_BYTES / 8);
  const respWords = new Uint32Array(resp.buffer);
  const pfd = new Int32Array(2); // struct pollfd { int fd; short events, revents; }
  for (;;) {
    pfd[0] = ctx.listener;
    pfd[1] = POLLIN;
    if (l.poll(ptr(pfd), 1n, -1) < 0) {
      if (errno() === EINTR) continue;
      throw new SyscallError('poll', errno(), 'the seccomp listener');
    }
    const revents = (pfd[1] ?? 0) >>> 16;
    if ((revents & POLLIN) === 0) {
      if ((revents & POLLHUP) !== 0) return;
      continue;
    }
    notif.fill(0n); // NOTE: the kernel refuses a RECV into a struct that is not zeroed
    if (l.ioctl(ctx.listener, IOCTL_RECV, ptr(notif)) !== 0) {
      const e = errno();
      if (e === EINTR || e === ENOENT) continue; // the task went before we took its call
      throw new SyscallError('ioctl(SECCOMP_IOCTL_NOTIF_RECV)', e);
    }
    const id = notif[0] ?? 0n;
    const tid = words[2] ?? 0;
    const nr = words[4] ?? 0;
    const call = ctx.calls.get(words[5] ?? 0)?.get(nr);
    try {
      if (call !== undefined) inspect(ctx, id, tid, notif.subarray(4, 10), call);
    } catch (e) {
      writeAll(2, `kiln: tracelog: ${e instanceof Error ? e.message : String(e)}\n`);
    } finally {
      // Whatever happened above, the call goes on: the supervisor answers every notification.
      resp.fill(0n);
      resp[0] = id;
      respWords[5] = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      // ENOENT: the task was killed while waiting; nothing to answer.
      if (l.ioctl(ctx.listener, IOCTL_SEND, ptr(resp)) !== 0 && errno() !== ENOENT) {
        writeAll(2, `kiln: tracelog: ${new SyscallError('ioctl(SECCOMP_IOCTL_NOTIF_SEND)', errno()).message}\n`);
      }
    }
  }
}

/** Entry point: `kiln --kiln-tracelog=3`, the socket at fd 4. Returns the exit status. */
export function runTracelog(configFd: number): number {
  const config = JSON.parse(readAllFd(configFd)) as TracelogConfig;
  const arch = archFromNode(process.arch);
  if (arch === undefined) throw new SyscallError('seccomp', 38, `tracelog: not known on ${process.arch}`);
  checkSizes();
  const listener = receiveFd(4);
  libc().close(4);
  if (listener === undefined) return 0; // the sandbox ended before its program started
  const ctx: Context = {
    config,
    index: indexBlacklist(config.blacklist),
    calls: new Map([arch, ...(archInfo(arch).compat !== undefined ? [archInfo(arch).compat as Arch] : [])].map((a) => [archInfo(a).auditArch, pathSyscalls(a)])),
    listener,
    log: openSyslog(config.socket, process.pid),
    limit: tokenBucket(TRACELOG_BURST, TRACELOG_PER_SECOND, performance.now()),
    roots: new Map(),
  };
  serve(ctx);
  const held = ctx.limit.drain();
  if (held > 0) ctx.log.write(suppressedLine(config.sandboxPid, config.name, held));
  return 0;
}
