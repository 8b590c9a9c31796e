/**
 * Reaching a running sandbox's network namespace from outside, for --net.print, --netfilter.print,
 * --netfilter6.print and --bandwidth: the namespace is opened once, by fd, from the sandbox's pid 1 (bwrap's
 * child, made in the new namespace), and every tool runs under nsenter with that fd, never with a pid that
 * could be reused in between.
 *
 * An unprivileged owner's sandbox has its network namespace owned by bwrap's outer user namespace; the
 * owner enters that one too (ioctl NS_GET_USERNS on the namespace's fd, as the set-up stage does), and so
 * holds CAP_NET_ADMIN there. Root needs only the network namespace: it holds every capability over it.
 */
import { HostError, SyscallError, UsageError } from '../errors.ts';
import { systemTool } from '../host/tools.ts';
import { namespaceId } from '../registry/proc.ts';
import type { Sandbox } from '../registry/scan.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { userNsOf } from '../sys/ns.ts';

const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
/** Where tools are looked for: system directories only, never the caller's PATH (root runs them). */
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export interface NetNamespace {
  readonly sandbox: Sandbox;
  /** The sandbox's pid 1 on the host, whose network namespace this is. */
  readonly pid1: number;
  /** Open fds: the network namespace, then (an unprivileged caller) its owning user namespace. */
  readonly fds: readonly number[];
  /** nsenter's arguments for those fds once they sit at 3 (and 4) in the tool. */
  readonly enter: readonly string[];
  close(): void;
}

/** `--opt=NAME` as typed, for messages. */
export const labelOf = (option: string, sb: Sandbox): string => `${option}=${sb.entry.name || sb.entry.pid}`;

/**
 * The sandbox's own network namespace, open. Fails with a usage error (exit 1) when the sandbox has none
 * of its own (the host's network, `net none` is loopback only and has no registry network) or when the
 * caller may not act on it.
 */
export function openSandboxNet(sb: Sandbox, option: string, callerUid: number): NetNamespace {
  const label = labelOf(option, sb);
  if (sb.entry.network === undefined) {
    throw new UsageError(`${label}: the sandbox has no network namespace of its own (it was not started with --net=DEVICE)`);
  }
  if (callerUid !== 0 && callerUid !== sb.entry.uid) throw new UsageError(`${label}: the sandbox is ${sb.user}'s, not yours`);
  const pid1 = sb.pid1;
  if (pid1 === undefined) throw new UsageError(`${label}: the sandbox has not finished starting; try again`);
  const path = `/proc/${pid1}/ns/net`;
  const l = libc();
  const netFd = l.open(ptr(cString(path)), O_RDONLY | O_CLOEXEC, 0);
  if (netFd < 0) throw new SyscallError('open', errno(), path);
  const fds = [netFd];
  const close = () => {
    for (const fd of fds) l.close(fd);
  };
  // NOTE: checked after the open: a namespace that is the caller's own is the host's, not the sandbox's
  // (a sandbox that ended and whose pid was reused by a host process).
  if (namespaceId(pid1, 'net') === namespaceId('self', 'net')) {
    close();
    throw new UsageError(`${label}: the sandbox's process ${pid1} is in your own network namespace; the sandbox may have ended`);
  }
  if (callerUid === 0) return { sandbox: sb, pid1, fds, enter: ['--net=/proc/self/fd/3'], close };
  const userFd = userNsOf(netFd, 'owner');
  if (userFd < 0) {
    const e = errno();
    close();
    throw new SyscallError('ioctl(NS_GET_USERNS)', e, path);
  }
  fds.push(userFd);
  // NOTE: without --preserve-credentials nsenter's setgroups fails in a user namespace it did not make.
  return { sandbox: sb, pid1, fds, enter: ['--preserve-credentials', '--user=/proc/self/fd/4', '--net=/proc/self/fd/3'], close };
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `argv` (a tool and its arguments) inside the namespace; the caller judges the exit status. */
export async function runInNet(ns: NetNamespace, argv: readonly string[], stdin?: string): Promise<ToolResult> {
  const nsenter = systemTool('nsenter', 'util-linux', 'entering the sandbox');
  const proc = Bun.spawn([nsenter, ...ns.enter, ...argv], {
    stdio: [stdin !== undefined ? new TextEncoder().encode(stdin) : 'ignore', 'pipe', 'pipe', ...ns.fds],
    env: { PATH: SYSTEM_PATH, LANG: 'C' },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Like runInNet, but a failure is a HostError naming `what` with the tool's last lines. */
export async function mustRunInNet(ns: NetNamespace, argv: readonly string[], what: string, stdin?: string): Promise<string> {
  const r = await runInNet(ns, argv, stdin);
  if (r.code !== 0) {
    const detail = r.stderr.trim().split('\n').slice(-3).join('; ');
    const tool = argv[0]?.slice(argv[0].lastIndexOf('/') + 1);
    throw new HostError(`${what} failed (${tool} exit status ${r.code}${detail !== '' ? `: ${detail}` : ''})`);
  }
  return r.stdout;
}
