/**
 * The architectures kiln compiles filters for, and what the kernel reports for each in
 * `seccomp_data.arch` (the AUDIT_ARCH_* values from include/uapi/linux/audit.h).
 */

/** A kernel architecture kiln has a syscall table for. */
export type Arch = 'x86_64' | 'i386' | 'aarch64';

/** An ABI with its own syscall numbering; x32 shares AUDIT_ARCH_X86_64 with x86_64. */
export type Abi = Arch | 'x32';

export const ARCHES: readonly Arch[] = ['x86_64', 'i386', 'aarch64'];

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
/** 32-bit ARM tasks on an arm64 kernel. kiln has no table for them, so its filters deny them. */
export const AUDIT_ARCH_ARM = 0x40000028;

/**
 * NOTE: x32 tasks run on the x86_64 kernel entry and report AUDIT_ARCH_X86_64; the only sign is this bit
 * in the syscall number. A filter that checks the architecture but not this bit lets an x32 call of a
 * blocked syscall through under another number, so every x86_64 filter must look at it.
 */
export const X32_SYSCALL_BIT = 0x40000000;

export interface ArchInfo {
  readonly arch: Arch;
  readonly auditArch: number;
  /** The 32-bit ABI a 64-bit kernel of this arch also runs, if kiln filters it (i386 on x86_64). */
  readonly compat?: Arch;
  /** Foreign AUDIT_ARCH values this kernel can report and kiln denies outright (arm32 on arm64). */
  readonly foreign: readonly number[];
  /** NOTE: all three are little-endian, so the low half of a 64-bit argument sits at the lower offset. */
  readonly littleEndian: true;
  readonly hasX32: boolean;
}

const INFO: Readonly<Record<Arch, ArchInfo>> = {
  x86_64: { arch: 'x86_64', auditArch: AUDIT_ARCH_X86_64, compat: 'i386', foreign: [], littleEndian: true, hasX32: true },
  i386: { arch: 'i386', auditArch: AUDIT_ARCH_I386, foreign: [], littleEndian: true, hasX32: false },
  aarch64: { arch: 'aarch64', auditArch: AUDIT_ARCH_AARCH64, foreign: [AUDIT_ARCH_ARM], littleEndian: true, hasX32: false },
};

export function archInfo(arch: Arch): ArchInfo {
  return INFO[arch];
}

export function archByAudit(auditArch: number): Arch | undefined {
  return ARCHES.find((a) => INFO[a].auditArch === auditArch >>> 0);
}

/** Maps Node's `process.arch` to kiln's name; undefined for machines kiln has no table for. */
export function archFromNode(nodeArch: string): Arch | undefined {
  switch (nodeArch) {
    case 'x64':
      return 'x86_64';
    case 'ia32':
      return 'i386';
    case 'arm64':
      return 'aarch64';
    default:
      return undefined;
  }
}

/** Printable name of an AUDIT_ARCH value, as the disassembler shows it. */
export function auditArchName(auditArch: number): string {
  switch (auditArch >>> 0) {
    case AUDIT_ARCH_X86_64:
      return 'ARCH_X86_64';
    case AUDIT_ARCH_I386:
      return 'ARCH_I386';
    case AUDIT_ARCH_AARCH64:
      return 'ARCH_AARCH64';
    case AUDIT_ARCH_ARM:
      return 'ARCH_ARM';
    default:
      return `0x${(auditArch >>> 0).toString(16)}`;
  }
}
