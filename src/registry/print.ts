/**
 * --profile.print, --seccomp.print, --caps.print and --protocol.print for a running sandbox, from what
 * its registry entry recorded at launch: the profile read, the BPF programs loaded, the capabilities
 * kept, the socket families allowed. Layouts follow Firejail's.
 */
import { assertNever, HostError, UsageError } from '../errors.ts';
import { CAPABILITIES } from '../plan/caps.ts';
import { decodeProgram, disassemble, type Insn } from '../seccomp/index.ts';
import { appArmorEnabled } from '../host/apparmor.ts';
import { keptCaps } from './entry.ts';
import { childrenMap, commandLine, readText, type ProcInfo } from './proc.ts';
import type { Sandbox } from './scan.ts';

export type PrintWhat = 'profile' | 'seccomp' | 'caps' | 'protocol' | 'fs' | 'cpu' | 'apparmor';

/** What the printers read besides the entry: the host's last capability and its process table. */
export interface PrintContext {
  readonly lastCap: number;
  readonly table: ReadonlyMap<number, ProcInfo>;
}

export interface PrintOutput {
  readonly stdout: string;
  /** A remark for stderr when there is nothing to print but nothing is wrong either. */
  readonly note?: string;
}

/**
 * The sandbox's first process (its program, or the shell that runs it): the first child of its pid 1, as
 * Firejail's monitor switches to "the first child process inside the sandbox".
 */
function firstProcess(sb: Sandbox, table: ReadonlyMap<number, ProcInfo>, label: string): number {
  if (sb.pid1 === undefined) throw new UsageError(`${label}: the sandbox has no process yet`);
  const children = childrenMap(table).get(sb.pid1) ?? [];
  return children.length > 0 ? Math.min(...children) : sb.pid1;
}

/**
 * The AppArmor label a process runs under, or undefined where the kernel has no AppArmor. NOTE: with
 * several LSMs stacked, attr/current belongs to the first; attr/apparmor/current is AppArmor's own.
 */
function apparmorLabel(pid: number): string | undefined {
  if (!appArmorEnabled()) return undefined;
  return (readText(`/proc/${pid}/attr/apparmor/current`) ?? readText(`/proc/${pid}/attr/current`))?.replace(/\0/g, '').trim();
}

export function formatPrint(what: PrintWhat, sb: Sandbox, ctx: PrintContext, option: string): PrintOutput {
  const label = `${option}=${sb.entry.name || sb.entry.pid}`;
  const lastCap = ctx.lastCap;
  switch (what) {
    case 'profile': {
      // The first file read is the profile itself; the rest are its includes.
      const main = sb.entry.profiles[0];
      if (main === undefined) throw new UsageError(`${label}: the sandbox runs without a profile`);
      return { stdout: `${main}\n` };
    }
    case 'seccomp': {
      let programs: Insn[][];
      try {
        programs = sb.entry.seccomp.map((b64) => decodeProgram(new Uint8Array(Buffer.from(b64, 'base64'))));
      } catch (e) {
        throw new HostError(`${label}: the registry entry in ${sb.dir} holds a malformed seccomp program`, { cause: e });
      }
      if (programs.length === 0) return { stdout: '', note: `${label}: the sandbox runs without a seccomp filter` };
      if (programs.length === 1) return { stdout: disassemble(programs[0] ?? []) };
      return { stdout: programs.map((p, i) => `program ${i + 1} of ${programs.length}\n${disassemble(p)}`).join('\n') };
    }
    case 'caps': {
      const kept = new Set(keptCaps(sb.entry, lastCap));
      const lines = Array.from({ length: lastCap + 1 }, (_, c) => `${(CAPABILITIES[c] ?? String(c)).padEnd(20)}- ${kept.has(c) ? 'enabled' : 'disabled'}\n`);
      return { stdout: lines.join('') };
    }
    case 'protocol': {
      const protocols = sb.entry.protocols;
      if (protocols === undefined) return { stdout: '', note: `${label}: no protocol filter; every socket family is allowed` };
      return { stdout: `${protocols.join(',')}\n` };
    }
    case 'fs': {
      const fs = sb.entry.fs;
      if (fs === undefined) return { stdout: '', note: `${label}: the sandbox's launch recorded no filesystem steps` };
      return { stdout: fs.map((l) => `${l}\n`).join('') };
    }
    case 'cpu': {
      // Firejail's line: the status field as /proc shows it.
      const pid = firstProcess(sb, ctx.table, label);
      const line = readText(`/proc/${pid}/status`)?.split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
      if (line === undefined) throw new UsageError(`${label}: the sandbox's process ${pid} has ended`);
      return { stdout: `  ${line}\n` };
    }
    case 'apparmor': {
      const pid = firstProcess(sb, ctx.table, label);
      const head = `${pid}:${sb.entry.user}:${sb.entry.name}:${commandLine(pid).join(' ')}\n`;
      const aa = apparmorLabel(pid);
      if (aa === undefined) return { stdout: head, note: `${label}: AppArmor is not enabled on this kernel` };
      return { stdout: `${head}  AppArmor: ${aa}\n` };
    }
    default:
      return assertNever(what);
  }
}
