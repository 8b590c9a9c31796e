/**
 * --debug-syscalls, --debug-syscalls32, --debug-errnos, --debug-protocols and --debug-caps: kiln's own
 * tables, in Firejail's layout (`NUMBER<TAB>- name`).
 */
import { assertNever, HostError } from '../errors.ts';
import { CAPABILITIES } from '../plan/caps.ts';
import { archFromNode, formatErrnoTable, formatProtocols, formatSyscallTable } from '../seccomp/index.ts';
import { readText } from '../sys/fs.ts';

export type DebugTable = 'syscalls' | 'syscalls32' | 'errnos' | 'protocols' | 'caps';

export function formatDebugTable(table: DebugTable): string {
  switch (table) {
    case 'syscalls': {
      const arch = archFromNode(process.arch);
      if (arch === undefined) throw new HostError(`--debug-syscalls: kiln has no syscall table for ${process.arch}`);
      return formatSyscallTable(arch);
    }
    case 'syscalls32':
      // The 32-bit ABI kiln filters is i386's, under x86_64; aarch64 filters have no 32-bit part.
      if (archFromNode(process.arch) !== 'x86_64') throw new HostError(`--debug-syscalls32: kiln filters no 32-bit ABI on ${process.arch}`);
      return formatSyscallTable('i386');
    case 'errnos':
      return formatErrnoTable();
    case 'protocols':
      return formatProtocols();
    case 'caps': {
      const supported = Number(readText('/proc/sys/kernel/cap_last_cap')?.trim() ?? String(CAPABILITIES.length - 1)) + 1;
      const lines = CAPABILITIES.map((name, n) => `${n}\t- ${name}\n`).join('');
      return `Your kernel supports ${supported} capabilities.\n${lines}`;
    }
    default:
      return assertNever(table);
  }
}
