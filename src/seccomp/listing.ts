/**
 * Text for the print and debug commands: the rule summary (Firejail's BLACKLIST/WHITELIST lines), the
 * full BPF listing, and `--debug-syscalls`, `--debug-syscalls32`, `--debug-errnos`, `--debug-protocols`.
 */
import type { Abi } from './arch.ts';
import { formatAction } from './bpf.ts';
import type { CompiledFilter } from './compile.ts';
import { disassemble } from './disasm.ts';
import { listErrnos } from './errno.ts';
import { formatArgTest, type RuleLine } from './ir.ts';
import { ruleLines } from './planner.ts';
import { PROTOCOLS } from './spec.ts';
import { listSyscalls } from './syscalls.ts';

export function formatRule(r: RuleLine): string {
  switch (r.kind) {
    case 'blacklist':
      return `  BLACKLIST ${r.nr} ${r.name}${r.action.kind === 'errno' && r.action.errno === 1 ? '' : ` ${formatAction(r.action)}`}`;
    case 'whitelist':
      return `  WHITELIST ${r.nr} ${r.name}`;
    case 'argcheck':
      return `  ARGCHECK ${r.nr} ${r.name} if ${formatArgTest(r.check.test)}: ${formatAction(r.check.action)} (${r.check.why})`;
    case 'forced':
      return `  FORCED ${r.nr} ${r.name} ${formatAction(r.action)} (${r.why})`;
  }
}

/** The rule summary, per ABI when the filter covers more than one. */
export function formatRules(filter: CompiledFilter): string {
  const multi = filter.plan.abis.length > 1;
  const out: string[] = [];
  for (const abi of filter.plan.abis) {
    if (multi) out.push(`${abi.arch}:`);
    out.push(...ruleLines(abi).map(formatRule));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The BPF listing of every program of the filter. */
export function formatFilter(filter: CompiledFilter): string {
  if (filter.insns.length === 1) return disassemble(filter.insns[0]!);
  return filter.insns.map((p, i) => `program ${i + 1} of ${filter.insns.length}\n${disassemble(p)}`).join('\n');
}

/** `--debug-syscalls` (x86_64, aarch64) and `--debug-syscalls32` (i386): `NR<TAB>- name` lines. */
export function formatSyscallTable(abi: Abi): string {
  return listSyscalls(abi).map(([nr, name]) => `${nr}\t- ${name}\n`).join('');
}

export function formatErrnoTable(): string {
  return listErrnos().map(([n, name]) => `${n}\t- ${name}\n`).join('');
}

export function formatProtocols(): string {
  return `${PROTOCOLS.join(', ')}, \n`;
}
