/**
 * Syscall names and numbers per ABI, from the generated table (see syscalls.csv for its sources).
 * Lookups need no set-up: names are found by binary search, numbers by index.
 */
import type { Abi } from './arch.ts';
import { NUMBER_BY_ROW, NUMBER_RUNS, ROW_BY_NUMBER, SYSCALL_NAMES } from './syscalls.generated.ts';

function rowOf(name: string): number {
  let lo = 0;
  let hi = SYSCALL_NAMES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = SYSCALL_NAMES[mid]!;
    if (n === name) return mid;
    if (n < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The syscall's number on this ABI (x32: without the x32 bit), or undefined if the ABI lacks it. */
export function syscallNumber(abi: Abi, name: string): number | undefined {
  const row = rowOf(name);
  const nr = row < 0 ? -1 : (NUMBER_BY_ROW[abi][row] ?? -1);
  return nr < 0 ? undefined : nr;
}

/** The name of syscall `nr` on this ABI (x32 numbers without the x32 bit). */
export function syscallName(abi: Abi, nr: number): string | undefined {
  const row = ROW_BY_NUMBER[abi][nr] ?? -1;
  return row < 0 ? undefined : SYSCALL_NAMES[row];
}

/** Every syscall of the ABI, ordered by number. */
export function listSyscalls(abi: Abi): readonly (readonly [nr: number, name: string])[] {
  const out: (readonly [number, string])[] = [];
  ROW_BY_NUMBER[abi].forEach((row, nr) => {
    if (row >= 0) out.push([nr, SYSCALL_NAMES[row]!]);
  });
  return out;
}

/** The runs [first, last] of numbers the ABI assigns, ascending. */
export function syscallRuns(abi: Abi): readonly (readonly [number, number])[] {
  return NUMBER_RUNS[abi];
}

/** Whether any ABI kiln knows has a syscall of this name (to tell a typo from another arch's syscall). */
export function isKnownSyscall(name: string): boolean {
  return rowOf(name) >= 0;
}

/** All syscall names kiln knows, for suggestions. */
export function knownSyscallNames(): readonly string[] {
  return SYSCALL_NAMES;
}
