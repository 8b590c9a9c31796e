/**
 * --profile.print, --seccomp.print, --caps.print and --protocol.print for a running sandbox, from what
 * its registry entry recorded at launch: the profile read, the BPF programs loaded, the capabilities
 * kept, the socket families allowed. Layouts follow Firejail's.
 */
import { assertNever, HostError, UsageError } from '../errors.ts';
import { CAPABILITIES } from '../plan/caps.ts';
import { decodeProgram, disassemble, type Insn } from '../seccomp/index.ts';
import { keptCaps } from './entry.ts';
import type { Sandbox } from './scan.ts';

export type PrintWhat = 'profile' | 'seccomp' | 'caps' | 'protocol';

export interface PrintOutput {
  readonly stdout: string;
  /** A remark for stderr when there is nothing to print but nothing is wrong either. */
  readonly note?: string;
}

export function formatPrint(what: PrintWhat, sb: Sandbox, lastCap: number, option: string): PrintOutput {
  const label = `${option}=${sb.entry.name || sb.entry.pid}`;
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
    default:
      return assertNever(what);
  }
}
