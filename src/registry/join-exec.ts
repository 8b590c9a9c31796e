/**
 * Carrying out a join: gather the facts planJoin needs, hand kiln's binary and the init configuration
 * over as fds, and exec (a join) or spawn (a file transfer, whose output kiln handles).
 */
import { HostError, SyscallError, UsageError } from '../errors.ts';
import { findExecutable } from '../host/bwrap.ts';
import { lookupPasswd } from '../host/facts.ts';
import { closeExtraFds, memfdWithData } from '../launch/fds.ts';
import { encodeInitConfig, INIT_FLAG, type TransferOp } from '../launch/init-config.ts';
import { readText, stat, writeAll } from '../sys/fs.ts';
import { cString, cStringArray, errno, libc, ptr } from '../sys/libc.ts';
import { planJoin, type JoinFacts, type JoinMode, type JoinPlan } from './join.ts';
import { childrenMap, commandLine, NAMESPACES, namespaceId, noNewPrivs, processIds, processTable, type NamespaceKind } from './proc.ts';
import type { Sandbox } from './scan.ts';
import { userNsOf } from '../sys/ns.ts';

/** Where root's helpers are looked for: system directories only, never the caller's PATH. */
const SYSTEM_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

/** The sandbox's program: the oldest child of its pid 1 that belongs to the owner, once it runs. */
function findProgram(sb: Sandbox, pid1: number): number | undefined {
  const table = processTable();
  const children = (childrenMap(table).get(pid1) ?? []).map((pid) => table.get(pid)).filter((p) => p !== undefined);
  children.sort((a, b) => Number(a.startTime) - Number(b.startTime) || a.pid - b.pid);
  const program = children.find((p) => processIds(p.pid)?.uid === sb.entry.uid);
  // Still kiln's init stage: its mount namespace is not the program's yet.
  if (program === undefined || commandLine(program.pid)[1]?.startsWith(`${INIT_FLAG}=`) === true) return undefined;
  return program.pid;
}

/**
 * The process to join. NOTE: bwrap reports its pid 1 before it has built the sandbox's file system, and
 * forks the program only after; a join before that would land in a half-built tree. So the target is
 * the program (as Firejail's is), once it runs, given a second to appear.
 */
function joinTarget(sb: Sandbox, option: string): number {
  const pid1 = sb.pid1;
  if (pid1 === undefined) throw new UsageError(`${option}=${sb.entry.name || sb.entry.pid}: the sandbox has not finished starting; try again`);
  const deadline = performance.now() + 1000;
  for (;;) {
    const program = findProgram(sb, pid1);
    if (program !== undefined) return program;
    if (performance.now() > deadline) throw new UsageError(`${option}=${sb.entry.name || sb.entry.pid}: the sandbox has not started its program; try again`);
    Bun.sleepSync(10);
  }
}

function gatherFacts(sb: Sandbox, callerUid: number, option: string): JoinFacts {
  const nsenter = findExecutable('nsenter', SYSTEM_PATH);
  if (nsenter === undefined) throw new HostError('joining a sandbox needs nsenter (util-linux), which is not installed');
  const target = joinTarget(sb, option);
  const ids = (pid: number | 'self') => {
    const out: Partial<Record<NamespaceKind, bigint>> = {};
    for (const ns of NAMESPACES) {
      const id = namespaceId(pid, ns);
      if (id !== undefined) out[ns] = id;
    }
    return out;
  };
  return {
    callerUid,
    nsenter,
    setpriv: findExecutable('setpriv', SYSTEM_PATH),
    ownNs: ids('self'),
    target,
    sandboxNs: ids(target),
    // bwrap sets it in every sandbox; read rather than assumed, and assumed if the process just left.
    noNewPrivs: noNewPrivs(target) ?? true,
    lastCap: Number(readText('/proc/sys/kernel/cap_last_cap')?.trim() ?? '40'),
    ownerGid: processIds(sb.entry.pid)?.gid ?? sb.entry.uid,
    ownerHasPasswd: lookupPasswd(sb.entry.uid) !== undefined,
    ...(isNested(target) ? { nested: true } : {}),
  };
}

const F_SETFD = 2;

/** The user namespace above `pid`'s, as an fd; undefined if there is none we may see. */
function parentUserNs(pid: number): number | undefined {
  const l = libc();
  const own = l.open(ptr(cString(`/proc/${pid}/ns/user`)), 0o2000000 /* O_RDONLY | O_CLOEXEC */, 0);
  if (own < 0) return undefined;
  const parent = userNsOf(own, 'parent');
  l.close(own);
  return parent < 0 ? undefined : parent;
}

/** Whether `pid`'s user namespace sits below another one that is not the caller's (see JoinFacts.nested). */
function isNested(pid: number): boolean {
  const parent = parentUserNs(pid);
  if (parent === undefined) return false;
  const nested = stat(`/proc/self/fd/${parent}`)?.ino !== namespaceId('self', 'user');
  libc().close(parent);
  return nested;
}

/**
 * Inheritable fds of `pid`'s outer user namespace and, if the network namespace of `pid` is that
 * namespace's, of the network namespace.
 */
function openOuter(pid: number): { user: number; net?: number } | undefined {
  const l = libc();
  const user = parentUserNs(pid);
  if (user === undefined) return undefined;
  if (l.fcntl(user, F_SETFD, 0) < 0) {
    l.close(user);
    return undefined;
  }
  const net = l.open(ptr(cString(`/proc/${pid}/ns/net`)), 0 /* O_RDONLY, inherited */, 0);
  if (net < 0) return { user };
  const owner = userNsOf(net, 'owner');
  const owned = owner >= 0 && stat(`/proc/self/fd/${owner}`)?.ino === stat(`/proc/self/fd/${user}`)?.ino;
  if (owner >= 0) l.close(owner);
  if (!owned) {
    l.close(net);
    return { user };
  }
  return { user, net };
}

/** The shell a join starts when no program is given: the joining user's login shell. */
export function joinShell(sb: Sandbox, callerUid: number): string {
  const mine = callerUid === sb.entry.uid;
  return lookupPasswd(sb.entry.uid)?.shell || (mine ? process.env['SHELL'] : undefined) || '/bin/sh';
}

/** kiln's own binary, open without close-on-exec: the init stage is exec'd from it inside the sandbox. */
function openExe(): number {
  const fd = libc().open(ptr(cString(process.execPath)), 0 /* O_RDONLY */, 0);
  if (fd < 0) throw new SyscallError('open', errno(), process.execPath);
  return fd;
}

function describeJoin(plan: JoinPlan): string {
  const lines = [`kiln: exec ${plan.argv.join(' ')}`];
  if (plan.init !== undefined) {
    const { seccomp, ...rest } = plan.init;
    lines.push(`kiln: init stage: ${JSON.stringify(rest)}`, `kiln: seccomp programs: ${seccomp.length}`);
  }
  return `${lines.join('\n')}\n`;
}

function environment(): string[] {
  return Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
}

/** Replaces this process with the join. Returns only by throwing. */
export function execJoin(sb: Sandbox, mode: JoinMode, program: readonly string[], option: string, debug: boolean): never {
  const callerUid = process.getuid?.() ?? 0;
  const facts = gatherFacts(sb, callerUid, option);
  const argv = program.length > 0 ? program : [joinShell(sb, callerUid)];
  const exeFd = mode === 'all' ? openExe() : -1;
  const outerFds = facts.nested === true ? openOuter(facts.target) : undefined;
  const outer = outerFds !== undefined ? { outer: outerFds } : {};
  // The init configuration does not name its own fd, so it can be written before the argv that does.
  const init = planJoin(sb, facts, { mode, program: argv, exeFd, configFd: -1, ...outer }, option).init;
  const configFd = init === undefined ? -1 : memfdWithData('kiln-join', encodeInitConfig(init), true);
  const plan = planJoin(sb, facts, { mode, program: argv, exeFd, configFd, ...outer }, option);
  if (debug) writeAll(2, describeJoin(plan));
  closeExtraFds(new Set([exeFd, configFd, outerFds?.user ?? -1, outerFds?.net ?? -1].filter((fd) => fd >= 0)));
  const path = plan.argv[0] ?? '';
  const file = cString(path);
  const a = cStringArray(plan.argv);
  const env = cStringArray(environment());
  libc().execve(ptr(file), ptr(a.array), ptr(env.array));
  const e = errno();
  void a.keep.length; // keep the strings reachable until execve has read them
  void env.keep.length;
  throw new SyscallError('execve', e, path);
}

/**
 * Runs a file transfer in the sandbox as a child process with the given stdin and stdout (fds kiln opened
 * on the host, or its own). Resolves to the child's exit status; the child's messages go to kiln's stderr.
 */
export async function spawnTransfer(sb: Sandbox, op: TransferOp, stdin: number | 'inherit', stdout: number | 'inherit', option: string, debug: boolean): Promise<number> {
  const facts = gatherFacts(sb, process.getuid?.() ?? 0, option);
  const outerFds = facts.nested === true ? openOuter(facts.target) : undefined;
  // The child gets the extra fds at 3, 4 (and 5, 6), in the order of Bun.spawn's stdio array.
  const outer = outerFds === undefined ? {} : { outer: { user: 5, ...(outerFds.net !== undefined ? { net: 6 } : {}) } };
  const plan = planJoin(sb, facts, { mode: 'all', program: [], transfer: op, exeFd: 3, configFd: 4, ...outer }, option);
  if (plan.init === undefined) throw new TypeError('a transfer always runs the init stage');
  const exeFd = openExe();
  const configFd = memfdWithData('kiln-transfer', encodeInitConfig(plan.init), false);
  const extra = outerFds === undefined ? [] : [outerFds.user, ...(outerFds.net !== undefined ? [outerFds.net] : [])];
  try {
    if (debug) writeAll(2, describeJoin(plan));
    const child = Bun.spawn([...plan.argv], { stdio: [stdin, stdout, 'inherit', exeFd, configFd, ...extra], env: process.env });
    return await child.exited;
  } finally {
    libc().close(exeFd);
    libc().close(configFd);
    for (const fd of extra) libc().close(fd);
  }
}
