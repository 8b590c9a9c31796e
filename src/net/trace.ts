/**
 * The network monitors of running sandboxes: --nettrace, --dnstrace, --icmptrace, --snitrace. The
 * capture is tcpdump's (package tcpdump), run in the sandbox's network namespace; kiln formats what it
 * prints (trace-format.ts), or for --snitrace reads its pcap stream and decodes ClientHellos (sni.ts).
 *
 *   root:  setpriv --pdeathsig KILL -- nsenter --net=/proc/self/fd/3 tcpdump …
 *   user:  setpriv --pdeathsig KILL -- nsenter --preserve-credentials --user=/proc/self/fd/4 --net=/proc/self/fd/3
 *            /proc/self/fd/5 --kiln-init=6 -- tcpdump …
 *
 * fd 3 is the sandbox's network namespace, opened from its pid 1; fd 4 the user namespace that owns it
 * (ioctl NS_GET_USERNS: bwrap's outer one, where the owner is uid 0 with every capability, CAP_NET_RAW
 * included). Root monitoring another user's sandbox takes the user path as that user (setpriv --reuid
 * first), so that tcpdump, which parses what the sandbox sends, never runs as the host's root for it.
 *
 * Lifetime: tcpdump gets SIGKILL when kiln dies (the parent-death signal, which setpriv sets and which
 * survives nsenter and the exec), SIGTERM when kiln is interrupted, and SIGTERM when the sandbox ends.
 */
import { HostError, SyscallError, UsageError } from '../errors.ts';
import { memfdWithData } from '../launch/fds.ts';
import { encodeInitConfig, INIT_FLAG, type InitConfig } from '../launch/init-config.ts';
import { isRunning, processIds } from '../registry/proc.ts';
import type { Sandbox } from '../registry/scan.ts';
import { archFromNode, archInfo } from '../seccomp/arch.ts';
import { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, encodeProgram, OFF_ARCH, OFF_NR, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO } from '../seccomp/bpf.ts';
import { syscallNumber } from '../seccomp/syscalls.ts';
import { readText, writeAll } from '../sys/fs.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { clientHelloSni, PcapReader, tcpSegment } from './sni.ts';
import { formatSni, TraceFormatter, type TraceKind } from './trace-format.ts';
import { userNsOf } from '../sys/ns.ts';
import { systemTool } from '../host/tools.ts';

export type { TraceKind } from './trace-format.ts';

/** Where the tools are looked for: system directories only, never the caller's PATH (root runs them). */
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

/**
 * tcpdump's capture filter for each monitor. nettrace: UDP, and TCP only for a connection's first
 * segment (SYN without ACK; for IPv6 read at a fixed offset, so only without extension headers). dnstrace:
 * what goes to port 53. snitrace: TLS handshake records to port 443 (IPv4: the payload's first byte is
 * 22; IPv6, which BPF cannot index past its header: all of port 443, and the parser sorts it out).
 */
const FILTERS: Readonly<Record<TraceKind, string>> = {
  net: 'udp or (tcp and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn) or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02)',
  dns: 'dst port 53',
  icmp: 'icmp or icmp6',
  sni: 'tcp dst port 443 and ((ip and tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x16) or ip6)',
};

/**
 * tcpdump's arguments. `-Z root`: tcpdump run by (namespace) root drops to its build's user (tcpdump)
 * after opening the capture unless told otherwise; the kernel clears the parent-death signal on that uid
 * change, so a tcpdump that dropped would outlive a killed kiln; and in a user namespace, where only the
 * owner's uid is mapped (to 0), user tcpdump does not exist. --immediate-mode: a pipe is not a terminal,
 * and without it packets wait for the kernel's block time-out.
 */
export function tcpdumpArgs(kind: TraceKind): string[] {
  const common = ['-n', '-i', 'any', '-Z', 'root', '--immediate-mode'];
  switch (kind) {
    case 'sni':
      return [...common, '-U', '-w', '-', FILTERS.sni];
    case 'net':
      return [...common, '-l', '-t', '-q', FILTERS.net];
    case 'dns':
    case 'icmp':
      return [...common, '-l', '-t', FILTERS[kind]];
  }
}

/**
 * A seccomp program under which setgroups(2) succeeds without doing anything. NOTE: tcpdump, as uid 0,
 * calls initgroups() when it "drops" to -Z root, and setgroups is refused in a user namespace whose
 * setgroups file says deny (bwrap's, as every unprivileged one's); tcpdump would then exit before
 * capturing. The groups it would set are root's, which that namespace does not map anyway.
 */
export function setgroupsNoopFilter(): string {
  const arch = archFromNode(process.arch);
  if (arch === undefined) throw new HostError(`network monitors of user-mode sandboxes are not supported on ${process.arch}`);
  const nr = syscallNumber(arch, 'setgroups');
  if (nr === undefined) throw new TypeError(`no setgroups on ${arch}`);
  const ld = (k: number) => ({ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k });
  const ret = (k: number) => ({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k });
  const program = encodeProgram([
    ld(OFF_ARCH),
    { code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: 3, k: archInfo(arch).auditArch },
    ld(OFF_NR),
    { code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: 1, k: nr },
    ret(SECCOMP_RET_ERRNO), // errno 0: the call returns 0
    ret(SECCOMP_RET_ALLOW),
  ]);
  return Buffer.from(program).toString('base64');
}

export interface TracePlan {
  readonly argv: readonly string[];
  /** The user path's init stage configuration (fd 6), or none for root's own sandboxes. */
  readonly init?: InitConfig;
}

export interface TraceFacts {
  readonly callerUid: number;
  readonly tools: { readonly tcpdump: string; readonly nsenter: string; readonly setpriv: string };
  /** The owner's primary gid, for root acting as the owner. */
  readonly ownerGid: number;
  readonly lastCap: number;
}

/** The command that runs tcpdump in the sandbox's network namespace. Pure. */
export function planTrace(kind: TraceKind, sb: Sandbox, facts: TraceFacts, option: string): TracePlan {
  const label = sb.entry.name || String(sb.entry.pid);
  const network = sb.entry.network;
  if (network === undefined) {
    throw new UsageError(`${option}=${label}: the sandbox has no network namespace with interfaces of its own (start it with --net=…); there is nothing to monitor`);
  }
  const owner = sb.entry.uid;
  if (facts.callerUid !== 0 && facts.callerUid !== owner) throw new UsageError(`${option}=${label}: only the sandbox's owner or root can monitor it`);
  const { tcpdump, nsenter, setpriv } = facts.tools;
  const tail = [tcpdump, ...tcpdumpArgs(kind)];
  if (facts.callerUid === 0 && owner === 0) {
    return { argv: [setpriv, '--pdeathsig', 'SIGKILL', '--', nsenter, '--net=/proc/self/fd/3', ...tail] };
  }
  // NOTE: the kernel clears the parent-death signal when the uid changes, so acting as the owner is a
  // setpriv of its own, before the one that sets the signal.
  const asOwner = facts.callerUid === owner ? [] : [setpriv, `--reuid=${owner}`, `--regid=${facts.ownerGid}`, '--clear-groups', '--'];
  const init: InitConfig = {
    steps: [],
    keepCaps: Array.from({ length: facts.lastCap + 1 }, (_, i) => i),
    lastCap: facts.lastCap,
    seccomp: [setgroupsNoopFilter()],
    exeFd: 5,
    // The namespace fds have served nsenter; tcpdump does not get them.
    closeFds: [3, 4],
    noNewPrivs: true,
    keepBounding: true,
    searchPath: false,
  };
  return {
    argv: [...asOwner, setpriv, '--pdeathsig', 'SIGKILL', '--', nsenter, '--preserve-credentials', '--user=/proc/self/fd/4', '--net=/proc/self/fd/3', '/proc/self/fd/5', `${INIT_FLAG}=6`, '--', ...tail],
    init,
  };
}

function openFd(path: string): number {
  const fd = libc().open(ptr(cString(path)), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  return fd;
}

/** tcpdump, started as the plan says, with the namespace fds (and the init stage's) at 3…6. */
function spawnTcpdump(plan: TracePlan, pid1: number) {
  const l = libc();
  const opened: number[] = [];
  try {
    const netFd = openFd(`/proc/${pid1}/ns/net`);
    opened.push(netFd);
    if (plan.init !== undefined) {
      const userFd = userNsOf(netFd, 'owner');
      if (userFd < 0) throw new SyscallError('ioctl(NS_GET_USERNS)', errno(), `/proc/${pid1}/ns/net`);
      opened.push(userFd);
      opened.push(openFd(process.execPath));
      opened.push(memfdWithData('kiln-trace', encodeInitConfig(plan.init), false));
    }
    return Bun.spawn([...plan.argv], { stdio: ['ignore', 'pipe', 'pipe', ...opened], env: { PATH: SYSTEM_PATH, LANG: 'C' } });
  } finally {
    for (const fd of opened) l.close(fd);
  }
}

export interface TraceContext {
  readonly option: string;
  readonly info: (line: string) => void;
}

/** Runs the monitor until it is interrupted or the sandbox ends; resolves to kiln's exit status. */
export async function runTrace(kind: TraceKind, sb: Sandbox, ctx: TraceContext): Promise<number> {
  const { option } = ctx;
  const label = sb.entry.name || String(sb.entry.pid);
  const callerUid = process.getuid?.() ?? 0;
  const facts: TraceFacts = {
    callerUid,
    tools: { tcpdump: systemTool('tcpdump', 'tcpdump', option), nsenter: systemTool('nsenter', 'util-linux', option), setpriv: systemTool('setpriv', 'util-linux', option) },
    ownerGid: processIds(sb.entry.pid)?.gid ?? sb.entry.uid,
    lastCap: Number(readText('/proc/sys/kernel/cap_last_cap')?.trim() ?? '40'),
  };
  const plan = planTrace(kind, sb, facts, option);
  const pid1 = sb.pid1;
  if (pid1 === undefined) throw new UsageError(`${option}=${label}: the sandbox has not finished starting; try again`);
  // NOTE: the sandbox may have ended, and its pid been reused, between the listing and the open.
  const proc = spawnTcpdump(plan, pid1);
  if (!isRunning(sb.entry.pid, sb.entry.startTime)) {
    proc.kill('SIGKILL');
    throw new UsageError(`${option}=${label}: the sandbox has ended`);
  }

  let stopping = false;
  const stop = () => {
    stopping = true;
    proc.kill('SIGTERM');
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, stop);
  const watch = setInterval(() => {
    if (!isRunning(sb.entry.pid, sb.entry.startTime)) stop();
  }, 250);

  let errText = '';
  const stderr = (async () => {
    const dec = new TextDecoder();
    let announced = false;
    for await (const chunk of proc.stderr) {
      errText = (errText + dec.decode(chunk)).slice(-4096);
      if (!announced && errText.includes('listening on')) {
        announced = true;
        ctx.info(`Monitoring sandbox ${label} (${option}); Ctrl-C ends it`);
      }
    }
  })();

  const now = () => new Date();
  let closed = false;
  const emit = (line: string) => {
    if (closed) return;
    try {
      writeAll(1, `${line}\n`);
    } catch (e) {
      // Whoever read the lines has gone (`kiln --nettrace=web | head -1`): the monitor is done.
      if (!(e instanceof SyscallError)) throw e;
      closed = true;
      stop();
    }
  };
  if (kind === 'sni') {
    const reader = new PcapReader();
    for await (const chunk of proc.stdout) {
      let packets;
      try {
        packets = reader.push(chunk);
      } catch (e) {
        proc.kill('SIGKILL');
        throw new HostError(`${option}=${label}: tcpdump's output is not what kiln expects: ${e instanceof Error ? e.message : String(e)}`);
      }
      for (const p of packets) {
        const seg = tcpSegment(p);
        const name = seg === undefined ? undefined : clientHelloSni(seg.payload);
        if (seg !== undefined && name !== undefined) emit(formatSni(now(), seg.dst, name));
      }
    }
  } else {
    const fmt = new TraceFormatter(kind);
    const dec = new TextDecoder();
    let pending = '';
    for await (const chunk of proc.stdout) {
      pending += dec.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const out = fmt.format(line, now());
        if (out !== undefined) emit(out);
      }
    }
  }
  const code = await proc.exited;
  await stderr;
  clearInterval(watch);
  for (const s of signals) process.off(s, stop);
  // Ended with the sandbox (its namespace's last process gone before the watch looked).
  if (stopping || !isRunning(sb.entry.pid, sb.entry.startTime)) return 0;
  const detail = errText.trim().split('\n').filter((x) => !/^tcpdump: (data link type|verbose output)|^listening on|packets? (captured|received|dropped)/.test(x)).slice(-3).join('; ');
  throw new HostError(`${option}=${label}: tcpdump ended (exit status ${code})${detail !== '' ? `: ${detail}` : ''}`);
}
