/**
 * Firejail's spellings → the typed spec: `read,@clock,!chroot,unlinkat:ENOENT,$165`, `kill|log|ERRNO`,
 * `unix,inet`, `user,net`. For the Policy → FilterSpec adapter and for tests.
 */
import { suggest } from '../suggest.ts';
import { X32_SYSCALL_BIT } from './arch.ts';
import { errnoNumber } from './errno.ts';
import { SeccompError } from './error.ts';
import { GROUP_NAMES, isGroupName } from './groups.ts';
import { NAMESPACES, PROTOCOLS, type ErrorAction, type Namespace, type Protocol, type SyscallEntry } from './spec.ts';
import { isKnownSyscall, knownSyscallNames } from './syscalls.ts';

/** `kill`, `log`, or an errno name or number. */
export function parseErrorAction(text: string): ErrorAction {
  const t = text.trim();
  if (t === 'kill') return { kind: 'kill' };
  if (t === 'log') return { kind: 'log' };
  const errno = errnoNumber(t);
  if (errno === undefined) throw new SeccompError({ kind: 'bad-action', text });
  return { kind: 'errno', errno };
}

/** One entry: `[!]name[:action]`, `[!]@group[:action]` or `[!]$number[:action]`. */
export function parseSyscallEntry(text: string): SyscallEntry {
  let t = text.trim();
  const exclude = t.startsWith('!');
  if (exclude) t = t.slice(1);
  const colon = t.indexOf(':');
  let action: ErrorAction | undefined;
  if (colon >= 0) {
    if (exclude) throw new SeccompError({ kind: 'bad-entry', text, reason: 'an exception (!) cannot have an action' });
    action = parseErrorAction(t.slice(colon + 1));
    t = t.slice(0, colon);
  }
  const base = { exclude, ...(action === undefined ? {} : { action }) };
  if (t.startsWith('@')) {
    const g = t.slice(1);
    if (!isGroupName(g)) throw new SeccompError({ kind: 'unknown-group', name: g, ...opt(suggest(g, GROUP_NAMES)) });
    return { ref: { kind: 'group', group: g }, ...base };
  }
  if (t.startsWith('$')) return { ref: { kind: 'number', nr: parseSyscallNumber(t.slice(1), text) }, ...base };
  if (!/^[a-z0-9_]+$/.test(t)) throw new SeccompError({ kind: 'bad-entry', text, reason: 'not a syscall name' });
  if (!isKnownSyscall(t)) throw new SeccompError({ kind: 'unknown-syscall', name: t, ...opt(suggest(t, knownSyscallNames())) });
  return { ref: { kind: 'name', name: t }, ...base };
}

/**
 * The largest number `$N` may name. NOTE: from X32_SYSCALL_BIT up, an x86_64 kernel takes the number for an
 * x32 call (which every kiln filter denies as a whole), and from 2^31 up `seccomp_data.nr` is negative as
 * the kernel's int; no ABI kiln has a table for puts a syscall there. Below it, a number beyond the
 * table is a syscall newer than kiln and may be named (it gets ENOSYS otherwise).
 */
export const MAX_SYSCALL_NUMBER = X32_SYSCALL_BIT - 1;

/** `263` in `$263`: decimal digits only (Firejail 0.9.72 reads `$abc` as `$0`, read(2)). */
function parseSyscallNumber(digits: string, text: string): number {
  if (!/^[0-9]+$/.test(digits)) throw new SeccompError({ kind: 'bad-entry', text, reason: 'expected $ and a decimal syscall number' });
  const nr = Number(digits);
  if (nr > MAX_SYSCALL_NUMBER) {
    throw new SeccompError({ kind: 'bad-entry', text, reason: `syscall number out of range (0 to ${MAX_SYSCALL_NUMBER})` });
  }
  return nr;
}

/** A comma-separated list; empty items are skipped, as Firejail does. */
export function parseSyscallList(text: string): SyscallEntry[] {
  return text.split(',').filter((s) => s.trim() !== '').map(parseSyscallEntry);
}

export function parseProtocols(text: string): Protocol[] {
  return text.split(',').filter((s) => s.trim() !== '').map((s) => {
    const p = s.trim();
    if (!(PROTOCOLS as readonly string[]).includes(p)) throw new SeccompError({ kind: 'unknown-protocol', name: p });
    return p as Protocol;
  });
}

export function parseNamespaces(text: string): Namespace[] {
  return text.split(',').filter((s) => s.trim() !== '').map((s) => {
    const n = s.trim();
    if (!(NAMESPACES as readonly string[]).includes(n)) throw new SeccompError({ kind: 'unknown-namespace', name: n });
    return n as Namespace;
  });
}

function opt(suggestion: string | undefined): { suggestion?: string } {
  return suggestion === undefined ? {} : { suggestion };
}
