/**
 * The seccomp test table: (spec, ABI, syscall, arguments → verdict). src/seccomp/compile.test.ts runs every
 * case in the simulator for each arch; tests/integration/seccomp.test.ts runs the native arch's cases on the
 * real kernel through bwrap. Blocked syscalls mostly get ECHRNG, an errno no syscall here returns by itself,
 * so that on the kernel a refusal by the filter cannot be mistaken for the kernel's own answer.
 */
import type { Abi, Arch } from '../../src/seccomp/arch.ts';
import { NAMESPACES, baseSpec, type ErrorAction, type FilterSpec, type SyscallEntry } from '../../src/seccomp/spec.ts';
import { parseSyscallList } from '../../src/seccomp/parse.ts';
import { listSyscalls } from '../../src/seccomp/syscalls.ts';

export type Expect =
  | { readonly kind: 'allow' }
  | { readonly kind: 'errno'; readonly errno: number }
  | { readonly kind: 'kill' }
  | { readonly kind: 'log' };

export interface Call {
  readonly abi: Abi;
  /** A syscall name, or a raw number on that ABI (without the x32 bit). */
  readonly syscall: string | number;
  readonly args?: readonly (number | bigint)[];
  readonly expect: Expect;
  /** Skip on the real kernel: the call would fork, or its effect is unsafe to run. */
  readonly simulatorOnly?: true;
}

export interface Case {
  readonly name: string;
  readonly spec: (arch: Arch) => FilterSpec;
  readonly calls: (arch: Arch) => readonly Call[];
}

export const E = 44; // ECHRNG
export const EPERM = 1;
export const ENOENT = 2;
export const EACCES = 13;
export const ENOSYS = 38;
export const EAFNOSUPPORT = 97;

const ALLOW: Expect = { kind: 'allow' };
const KILL: Expect = { kind: 'kill' };
const LOG: Expect = { kind: 'log' };
const errno = (n: number): Expect => ({ kind: 'errno', errno: n });
const DENY = errno(E);
const ECHRNG: ErrorAction = { kind: 'errno', errno: E };

const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;
const FIONREAD = 0x541b;
const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const SOCK_STREAM = 1;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNET = 0x40000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWTIME = 0x80;
const SIGCHLD = 17;
const PROT_READ = 1;
const PROT_RW = 3;
const PROT_RWX = 7;
const PROT_RX = 5;
const MAP_PRIVATE_ANON = 0x22;
const SHM_EXEC = 0x8000;

/** The 32-bit ABI a filter of this arch also covers, if any. */
function compat(arch: Arch): Abi | undefined {
  return arch === 'x86_64' ? 'i386' : undefined;
}

/** Calls on the native ABI and, where there is one, on the compat ABI. */
function both(arch: Arch, call: Omit<Call, 'abi'>): Call[] {
  const c = compat(arch);
  return [{ abi: arch, ...call }, ...(c === undefined ? [] : [{ abi: c, ...call }])];
}

const spec = (arch: Arch, extra: Partial<FilterSpec>): FilterSpec => ({ ...baseSpec(arch), errorAction: ECHRNG, ...extra });
const seccomp = (list = '') => ({ kind: 'blocklist', defaultList: true, entries: parseSyscallList(list) }) as const;
const drop = (list: string) => ({ kind: 'blocklist', defaultList: false, entries: parseSyscallList(list) }) as const;

/** seccomp.keep with every syscall of the ABI except `without`: an allowlist Python still runs under. */
function keepAllBut(abi: Abi, without: readonly string[]) {
  const names = listSyscalls(abi).map(([, n]) => n).filter((n) => !without.includes(n));
  return { kind: 'allowlist', entries: parseSyscallList(names.join(',')) } as const;
}

export const CASES: readonly Case[] = [
  {
    name: "kiln's hardening alone (no seccomp list)",
    spec: (arch) => spec(arch, {}),
    calls: (arch) => [
      ...both(arch, { syscall: 'ioctl', args: [-1, TIOCSTI, 0], expect: DENY }),
      ...both(arch, { syscall: 'ioctl', args: [-1, TIOCLINUX, 0], expect: DENY }),
      // NOTE: the request is an unsigned int; the kernel drops the high half, so this is TIOCSTI.
      { abi: arch, syscall: 'ioctl', args: [-1, 0x1_0000_5412n, 0], expect: DENY },
      ...both(arch, { syscall: 'ioctl', args: [-1, FIONREAD, 0], expect: ALLOW }),
      ...both(arch, { syscall: 'getpid', expect: ALLOW }),
      { abi: arch, syscall: 'read', args: [-1, 0, 0], expect: ALLOW },
      { abi: arch, syscall: 'mount', args: [0, 0, 0, 0, 0], expect: ALLOW },
      // Numbers kiln's table does not know: syscalls newer than kiln, or none at all.
      { abi: arch, syscall: 1000, expect: errno(ENOSYS) },
      ...(arch === 'x86_64' ? [{ abi: 'x32', syscall: 'getpid', expect: DENY } as const, { abi: arch, syscall: 400, expect: errno(ENOSYS) } as const] : []),
    ],
  },
  {
    name: 'seccomp (the default list)',
    spec: (arch) => spec(arch, { syscalls: seccomp() }),
    calls: (arch) => [
      ...both(arch, { syscall: 'mount', args: [0, 0, 0, 0, 0], expect: DENY }),
      ...both(arch, { syscall: 'umount2', args: [0, 0], expect: DENY }),
      ...both(arch, { syscall: 'ptrace', args: [0xffff, 0, 0, 0], expect: DENY }),
      ...both(arch, { syscall: 'personality', args: [0xffffffff], expect: DENY }),
      ...both(arch, { syscall: 'kexec_load', args: [0, 0, 0, 0], expect: DENY }),
      ...both(arch, { syscall: 'open_by_handle_at', args: [-1, 0, 0], expect: DENY }),
      ...both(arch, { syscall: 'chroot', args: [0], expect: DENY }),
      // Newer than Firejail's table; kiln adds them to @mount.
      ...both(arch, { syscall: 'mount_setattr', args: [-1, 0, 0, 0, 0], expect: DENY }),
      ...both(arch, { syscall: 'open_tree_attr', args: [-1, 0, 0, 0, 0], expect: DENY }),
      ...both(arch, { syscall: 'getpid', expect: ALLOW }),
      ...both(arch, { syscall: 'uname', args: [0], expect: ALLOW }),
      ...both(arch, { syscall: 'clone3', args: [0, 0], expect: ALLOW }),
      ...both(arch, { syscall: 'ioctl', args: [-1, TIOCSTI, 0], expect: DENY }),
      ...(arch === 'x86_64' ? [{ abi: 'x32', syscall: 'read', expect: DENY } as const, { abi: 'x32', syscall: 'mount', expect: DENY } as const] : []),
    ],
  },
  {
    name: 'seccomp with allow-debuggers',
    spec: (arch) => spec(arch, { syscalls: seccomp(), allowDebuggers: true }),
    calls: (arch) => [
      ...both(arch, { syscall: 'ptrace', args: [0xffff, 0, 0, 0], expect: ALLOW }),
      ...both(arch, { syscall: 'personality', args: [0xffffffff], expect: ALLOW }),
      ...both(arch, { syscall: 'mount', args: [0, 0, 0, 0, 0], expect: DENY }),
    ],
  },
  {
    name: 'seccomp LIST with exceptions and per-entry actions',
    spec: (arch) => spec(arch, { syscalls: seccomp('!chroot,unlinkat:ENOENT,settimeofday:kill,uname:EACCES,getppid') }),
    calls: (arch) => [
      ...both(arch, { syscall: 'chroot', args: [0], expect: ALLOW }),
      ...both(arch, { syscall: 'unlinkat', args: [-1, 0, 0], expect: errno(ENOENT) }),
      ...both(arch, { syscall: 'uname', args: [0], expect: errno(EACCES) }),
      ...both(arch, { syscall: 'getppid', expect: DENY }),
      ...both(arch, { syscall: 'settimeofday', args: [0, 0], expect: KILL }),
      ...both(arch, { syscall: 'mount', args: [0, 0, 0, 0, 0], expect: DENY }),
    ],
  },
  {
    name: 'seccomp.drop without the default list',
    spec: (arch) => spec(arch, { syscalls: drop('getppid,@clock') }),
    calls: (arch) => [
      ...both(arch, { syscall: 'getppid', expect: DENY }),
      ...both(arch, { syscall: 'settimeofday', args: [0, 0], expect: DENY }),
      ...both(arch, { syscall: 'mount', args: [0, 0, 0, 0, 0], expect: ALLOW }),
      ...both(arch, { syscall: 'getpid', expect: ALLOW }),
    ],
  },
  {
    name: 'seccomp.32.drop: an i386 list of its own',
    spec: (arch) => spec(arch, { syscalls: drop('getppid'), syscalls32: drop('getpid') }),
    calls: (arch) => [
      { abi: arch, syscall: 'getppid', expect: DENY },
      { abi: arch, syscall: 'getpid', expect: ALLOW },
      ...(compat(arch) === 'i386' ? [{ abi: 'i386', syscall: 'getpid', expect: DENY } as const, { abi: 'i386', syscall: 'getppid', expect: ALLOW } as const] : []),
    ],
  },
  {
    name: 'seccomp.keep: an allowlist',
    spec: (arch) => spec(arch, { syscalls: keepAllBut(arch, ['getppid', 'execve', 'uname']), syscalls32: keepAllBut(compat(arch) ?? arch, ['getppid']) }),
    calls: (arch) => [
      ...both(arch, { syscall: 'getppid', expect: DENY }),
      { abi: arch, syscall: 'uname', args: [0], expect: DENY },
      ...both(arch, { syscall: 'getpid', expect: ALLOW }),
      // NOTE: execve stays allowed: bwrap loads the filter and then execs the program.
      { abi: arch, syscall: 'execve', args: [0, 0, 0], expect: ALLOW },
      { abi: arch, syscall: 1000, expect: errno(ENOSYS) },
      ...both(arch, { syscall: 'ioctl', args: [-1, TIOCSTI, 0], expect: DENY }),
      ...both(arch, { syscall: 'ioctl', args: [-1, FIONREAD, 0], expect: ALLOW }),
    ],
  },
  {
    name: 'seccomp-error-action log',
    spec: (arch) => ({ ...spec(arch, { syscalls: drop('getppid') }), errorAction: { kind: 'log' } }),
    calls: (arch) => [
      ...both(arch, { syscall: 'getppid', expect: LOG }),
      // kiln's hardening is never reduced to a log line.
      ...both(arch, { syscall: 'ioctl', args: [-1, TIOCSTI, 0], expect: errno(EPERM) }),
      ...(arch === 'x86_64' ? [{ abi: 'x32', syscall: 'getpid', expect: errno(EPERM) } as const] : []),
    ],
  },
  {
    name: 'seccomp-error-action kill',
    spec: (arch) => ({ ...spec(arch, { syscalls: drop('getsid') }), errorAction: { kind: 'kill' } }),
    calls: (arch) => [
      ...both(arch, { syscall: 'getsid', args: [0], expect: KILL }),
      ...both(arch, { syscall: 'ioctl', args: [-1, TIOCSTI, 0], expect: KILL }),
      ...both(arch, { syscall: 'getpid', expect: ALLOW }),
    ],
  },
  {
    name: 'protocol unix,inet',
    spec: (arch) => spec(arch, { protocols: ['unix', 'inet'] }),
    calls: (arch) => [
      ...both(arch, { syscall: 'socket', args: [AF_UNIX, SOCK_STREAM, 0], expect: ALLOW }),
      ...both(arch, { syscall: 'socket', args: [AF_INET, SOCK_STREAM, 0], expect: ALLOW }),
      ...both(arch, { syscall: 'socket', args: [AF_INET6, SOCK_STREAM, 0], expect: errno(EAFNOSUPPORT) }),
      ...both(arch, { syscall: 'socket', args: [AF_NETLINK, 3, 0], expect: errno(EAFNOSUPPORT) }),
      // The kernel reads the family as an int: 0x1_0000_000a is AF_INET6.
      { abi: arch, syscall: 'socket', args: [0x1_0000_000an, SOCK_STREAM, 0], expect: errno(EAFNOSUPPORT) },
      ...(arch === 'i386' || compat(arch) === 'i386'
        ? [
            { abi: 'i386', syscall: 'socketcall', args: [1, 0], expect: errno(EAFNOSUPPORT) } as const,
            { abi: 'i386', syscall: 'socketcall', args: [2, 0], expect: ALLOW } as const,
          ]
        : []),
    ],
  },
  {
    name: 'protocol inet: socket(0x100000001) is AF_UNIX and refused',
    spec: (arch) => spec(arch, { protocols: ['inet'] }),
    calls: (arch) => [
      // NOTE: a 64-bit compare would see 0x100000001 ≠ AF_UNIX and let the kernel make a unix socket.
      { abi: arch, syscall: 'socket', args: [0x1_0000_0001n, SOCK_STREAM, 0], expect: errno(EAFNOSUPPORT) },
      { abi: arch, syscall: 'socket', args: [0x1_0000_0002n, SOCK_STREAM, 0], expect: ALLOW },
      ...both(arch, { syscall: 'socket', args: [AF_UNIX, SOCK_STREAM, 0], expect: errno(EAFNOSUPPORT) }),
    ],
  },
  {
    name: 'protocol with an empty list refuses every family',
    spec: (arch) => spec(arch, { protocols: [] }),
    calls: (arch) => both(arch, { syscall: 'socket', args: [AF_UNIX, SOCK_STREAM, 0], expect: errno(EAFNOSUPPORT) }),
  },
  {
    name: 'restrict-namespaces (all)',
    spec: (arch) => spec(arch, { restrictNamespaces: NAMESPACES }),
    calls: (arch) => [
      ...both(arch, { syscall: 'unshare', args: [CLONE_NEWUSER], expect: DENY }),
      ...both(arch, { syscall: 'unshare', args: [CLONE_NEWTIME], expect: DENY }),
      ...both(arch, { syscall: 'unshare', args: [0], expect: ALLOW }),
      ...both(arch, { syscall: 'setns', args: [-1, 0], expect: DENY }),
      ...both(arch, { syscall: 'setns', args: [-1, CLONE_NEWNET], expect: DENY }),
      ...both(arch, { syscall: 'clone', args: [CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0], expect: DENY }),
      // Allowed clones would fork the test process; the simulator checks them.
      ...both(arch, { syscall: 'clone', args: [SIGCHLD, 0, 0, 0, 0], expect: ALLOW, simulatorOnly: true }),
      ...both(arch, { syscall: 'clone', args: [0x80 | SIGCHLD, 0, 0, 0, 0], expect: ALLOW, simulatorOnly: true }),
      // clone3's flags are in memory: ENOSYS makes callers fall back to clone.
      ...both(arch, { syscall: 'clone3', args: [0, 0], expect: errno(ENOSYS) }),
    ],
  },
  {
    name: 'restrict-namespaces user,net',
    spec: (arch) => spec(arch, { restrictNamespaces: ['user', 'net'] }),
    calls: (arch) => [
      ...both(arch, { syscall: 'unshare', args: [CLONE_NEWNET], expect: DENY }),
      { abi: arch, syscall: 'unshare', args: [0x1_0000_0000n | BigInt(CLONE_NEWUSER)], expect: DENY },
      ...both(arch, { syscall: 'unshare', args: [CLONE_NEWIPC], expect: ALLOW, simulatorOnly: true }),
      ...both(arch, { syscall: 'setns', args: [-1, CLONE_NEWIPC], expect: ALLOW }),
    ],
  },
  {
    name: 'memory-deny-write-execute',
    spec: (arch) => spec(arch, { memoryDenyWriteExecute: true }),
    calls: (arch) => [
      { abi: arch, syscall: arch === 'i386' ? 'mmap2' : 'mmap', args: [0, 4096, PROT_RWX, MAP_PRIVATE_ANON, -1, 0], expect: DENY },
      { abi: arch, syscall: arch === 'i386' ? 'mmap2' : 'mmap', args: [0, 4096, PROT_RW, MAP_PRIVATE_ANON, -1, 0], expect: ALLOW },
      { abi: arch, syscall: arch === 'i386' ? 'mmap2' : 'mmap', args: [0, 4096, PROT_RX, MAP_PRIVATE_ANON, -1, 0], expect: ALLOW },
      { abi: arch, syscall: 'mprotect', args: [0, 0, PROT_RX], expect: DENY },
      { abi: arch, syscall: 'mprotect', args: [0, 0, PROT_READ], expect: ALLOW },
      { abi: arch, syscall: 'pkey_mprotect', args: [0, 0, PROT_RX, -1], expect: DENY },
      { abi: arch, syscall: 'memfd_create', args: [0, 0], expect: DENY },
      { abi: arch, syscall: 'shmat', args: [-1, 0, SHM_EXEC], expect: DENY },
      { abi: arch, syscall: 'shmat', args: [-1, 0, 0], expect: ALLOW },
      ...(arch === 'i386' ? [{ abi: 'i386', syscall: 'mmap', args: [0], expect: DENY } as const, { abi: 'i386', syscall: 'ipc', args: [21, -1, 0, 0, 0], expect: DENY } as const] : []),
    ],
  },
  {
    name: 'seccomp.block-secondary',
    spec: (arch) => spec(arch, { blockSecondary: true }),
    calls: (arch) => [
      { abi: arch, syscall: 'personality', args: [0xffffffff], expect: ALLOW },
      { abi: arch, syscall: 'personality', args: [0x0040000], expect: DENY },
      { abi: arch, syscall: 'getpid', expect: ALLOW },
      // The secondary ABI, and so every syscall it makes, kills the process.
      ...(compat(arch) === undefined ? [] : [{ abi: compat(arch)!, syscall: 'getpid', expect: KILL } as const]),
      ...(arch === 'x86_64' ? [{ abi: 'x32', syscall: 'getpid', expect: DENY } as const] : []),
    ],
  },
];

/**
 * A filter too big for one BPF program: every other number from `from` blocked, alternating EPERM and
 * EACCES so that no two rules merge (numbers kiln's table lacks, so the kernel alone says ENOSYS).
 */
export function hugeSpec(count: number, from = 2000): FilterSpec {
  const entries: SyscallEntry[] = Array.from({ length: count }, (_, i) => ({
    ref: { kind: 'number', nr: from + 2 * i },
    exclude: false,
    action: { kind: 'errno', errno: i % 2 === 0 ? EPERM : EACCES },
  }));
  return { ...baseSpec('x86_64'), syscalls: { kind: 'blocklist', defaultList: false, entries } };
}
