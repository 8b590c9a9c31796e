/**
 * kiln's seccomp compiler: a typed FilterSpec in, BPF programs out, with no libseccomp and no I/O.
 *
 *   const filter = compileFilter(spec);       // throws SeccompError (a UsageError) on a bad spec
 *   filter.programs.forEach(…)                // one `bwrap --add-seccomp-fd FD` each, in this order
 *
 * Printing: formatFilter (the BPF listing of --seccomp.print), formatRules (BLACKLIST/WHITELIST lines for
 * --debug), formatSyscallTable / formatErrnoTable / formatProtocols (--debug-syscalls[32], --debug-errnos,
 * --debug-protocols).
 */
export { archFromNode, ARCHES, type Abi, type Arch } from './arch.ts';
export { decodeProgram, formatAction, type Action, type Insn } from './bpf.ts';
export { defaultProfileSpec } from './common-specs.ts';
export { compileFilter, type CompiledFilter, type CompileOptions } from './compile.ts';
export { disassemble } from './disasm.ts';
export { errnoName, errnoNumber } from './errno.ts';
export { SeccompError, type SeccompProblem } from './error.ts';
export { expandGroup, GROUP_NAMES, isGroupName, type GroupName } from './groups.ts';
export { specKey } from './key.ts';
export { formatErrnoTable, formatFilter, formatProtocols, formatRules, formatSyscallTable } from './listing.ts';
export { parseErrorAction, parseNamespaces, parseProtocols, parseSyscallEntry, parseSyscallList } from './parse.ts';
export { kernelCachesAllow, runFilters, syscallData, validateProgram, type SeccompData } from './simulate.ts';
export {
  baseSpec, BWRAP_SYSCALLS, NAMESPACES, PROTOCOLS,
  type ErrorAction, type FilterSpec, type Namespace, type Protocol, type SyscallEntry, type SyscallList, type SyscallRef,
} from './spec.ts';
export { syscallName, syscallNumber } from './syscalls.ts';
