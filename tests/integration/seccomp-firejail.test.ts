/**
 * kiln's seccomp pieces against Firejail's own (0.9.72, when installed): the syscall groups, the default
 * filter's verdicts, `--debug-syscalls`, and the printer on Firejail's shipped filters. Firejail's
 * programs run in kiln's simulator; where the two differ, the difference is the one named here.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, type Arch } from '../../src/seccomp/arch.ts';
import { decodeProgram, type Insn } from '../../src/seccomp/bpf.ts';
import { compileFilter } from '../../src/seccomp/compile.ts';
import { disassemble } from '../../src/seccomp/disasm.ts';
import { expandGroup, GROUP_NAMES, kilnAdditions } from '../../src/seccomp/groups.ts';
import { formatSyscallTable } from '../../src/seccomp/listing.ts';
import { runProgram } from '../../src/seccomp/simulate.ts';
import { baseSpec } from '../../src/seccomp/spec.ts';
import { listSyscalls, syscallNumber } from '../../src/seccomp/syscalls.ts';
import { run, tempDir } from '../lib/run.ts';

const LIB = '/usr/lib/x86_64-linux-gnu/firejail';
const HAVE = existsSync(join(LIB, 'fseccomp')) && existsSync(join(LIB, 'fsec-print')) && process.arch === 'x64';
/** Firejail moves these (@default-keep) from the filter it loads before exec to one its preload library loads after. */
const POST_EXEC = new Set(['execve', 'execveat', 'prctl']);

function load(file: string): Insn[] {
  return decodeProgram(new Uint8Array(readFileSync(file)));
}

/** The syscalls of an ABI that a Firejail program does not allow. */
function refusedBy(prog: readonly Insn[], abi: Arch, auditArch: number): Set<string> {
  return new Set(listSyscalls(abi).filter(([nr]) => runProgram(prog, { arch: auditArch, nr }).action.kind !== 'allow').map(([, n]) => n));
}

/** Firejail's expansion of one group: the filter `fseccomp drop` builds for it, run on every syscall. */
function firejailGroup(group: string, abi: 'x86_64' | 'i386'): Set<string> {
  const dir = tempDir('kiln-fj-');
  try {
    const r = run([join(LIB, 'fseccomp'), abi === 'x86_64' ? 'drop' : 'drop32', join(dir.path, 'f'), join(dir.path, 'p'), `@${group}`]);
    expect(r.code).toBe(0);
    if (!existsSync(join(dir.path, 'f'))) return new Set();
    return refusedBy(load(join(dir.path, 'f')), abi, abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386);
  } finally {
    dir.cleanup();
  }
}

function kilnGroup(group: (typeof GROUP_NAMES)[number], abi: Arch, firejailOnly: boolean): Set<string> {
  return new Set(expandGroup(group, { firejailOnly }).filter((n) => syscallNumber(abi, n) !== undefined));
}

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();

describe.skipIf(!HAVE)('against Firejail 0.9.72', () => {
  test('x86_64: every group expands as Firejail expands it (kiln additions aside)', () => {
    for (const g of GROUP_NAMES) {
      const fj = firejailGroup(g, 'x86_64');
      const kiln = kilnGroup(g, 'x86_64', true);
      expect({ g, kilnOnly: minus(kiln, fj).filter((n) => !POST_EXEC.has(n)), firejailOnly: minus(fj, kiln) }).toEqual({ g, kilnOnly: [], firejailOnly: [] });
      // kiln's additions are all syscalls Firejail's groups lack.
      for (const n of kilnAdditions(g)) expect(fj.has(n)).toBe(false);
    }
  });

  test("i386: Firejail's groups are a subset; it drops the syscalls only i386 has", () => {
    // NOTE: Firejail 0.9.72 resolves seccomp.32 names against a table that lacks i386-only syscalls, so
    // its 32-bit @default does not block umount, stime, vm86 or vm86old. kiln's does.
    for (const g of GROUP_NAMES) {
      const fj = firejailGroup(g, 'i386');
      const kiln = kilnGroup(g, 'i386', true);
      expect({ g, firejailOnly: minus(fj, kiln) }).toEqual({ g, firejailOnly: [] });
      for (const n of minus(kiln, fj)) if (!POST_EXEC.has(n)) expect({ n, onX86_64: syscallNumber('x86_64', n) }).toEqual({ n, onX86_64: undefined });
    }
    expect(firejailGroup('default', 'i386').has('umount')).toBe(false);
    expect(kilnGroup('default', 'i386', true).has('umount')).toBe(true);
  });

  test("the default filter refuses what Firejail's refuses, plus kiln's additions", () => {
    const fj = load(join(LIB, 'seccomp'));
    const kiln = compileFilter({ ...baseSpec('x86_64'), syscalls: { kind: 'blocklist', defaultList: true, entries: [] } }, { precompiled: false });
    const refusedFj = refusedBy(fj, 'x86_64', AUDIT_ARCH_X86_64);
    const refusedKiln = new Set(listSyscalls('x86_64').filter(([nr]) => {
      const a = runProgram(kiln.insns[0]!, { arch: AUDIT_ARCH_X86_64, nr, args: [0, 0, 0] }).action;
      return a.kind !== 'allow';
    }).map(([, n]) => n));
    expect(minus(refusedFj, refusedKiln)).toEqual([]);
    // ioctl: kiln refuses TIOCSTI and TIOCLINUX (args 0 here is no ioctl request; still argument-checked).
    expect(minus(refusedKiln, refusedFj)).toEqual(['mount_setattr', 'open_tree_attr', 'set_mempolicy_home_node']);
    // Both refuse x32 calls; kiln also refuses numbers its table lacks, where Firejail allows them.
    expect(runProgram(fj, { arch: AUDIT_ARCH_X86_64, nr: 0x40000000 }).action.kind).toBe('errno');
    expect(runProgram(fj, { arch: AUDIT_ARCH_X86_64, nr: 500 }).action.kind).toBe('allow');
    expect(runProgram(kiln.insns[0]!, { arch: AUDIT_ARCH_X86_64, nr: 500 }).action).toEqual({ kind: 'errno', errno: 38 });
  });

  test('--debug-syscalls: every line of Firejail is a line of kiln', () => {
    for (const [abi, cmd] of [['x86_64', 'debug-syscalls'], ['i386', 'debug-syscalls32']] as const) {
      const kiln = new Set(formatSyscallTable(abi).trim().split('\n'));
      const fj = run([join(LIB, 'fseccomp'), cmd]).stdout.trim().split('\n');
      expect(fj.length).toBeGreaterThan(300);
      expect(fj.filter((l) => !kiln.has(l))).toEqual([]);
    }
  });

  test("kiln's printer reads Firejail's filters: the same lines, offsets and fields as fsec-print", () => {
    for (const f of ['seccomp', 'seccomp.32', 'seccomp.mdwx', 'seccomp.block_secondary']) {
      const file = join(LIB, f);
      const fields = (text: string) => text.trim().split('\n').map((l) => l.slice(0, 26));
      expect(fields(disassemble(load(file)))).toEqual(fields(run([join(LIB, 'fsec-print'), file]).stdout));
    }
  });
});
