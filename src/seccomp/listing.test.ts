/** The printer and the listings behind --seccomp.print, --debug, --debug-syscalls and friends. */
import { describe, expect, test } from 'bun:test';
import { defaultProfileSpec } from './common-specs.ts';
import { compileFilter } from './compile.ts';
import { disassemble } from './disasm.ts';
import { formatErrnoTable, formatFilter, formatProtocols, formatRules, formatSyscallTable } from './listing.ts';
import { parseSyscallList } from './parse.ts';
import { baseSpec } from './spec.ts';

describe('the BPF listing', () => {
  const filter = compileFilter(defaultProfileSpec('x86_64'));
  const text = disassemble(filter.insns[0]!);
  const lines = text.trimEnd().split('\n');

  test("has Firejail's --seccomp.print layout", () => {
    expect(lines[0]).toBe(' line  OP JT JF    K');
    expect(lines[1]).toBe('=================================');
    expect(lines[2]).toBe(' 0000: 20 00 00 00000004   ld  data.architecture');
    expect(lines[3]).toMatch(/^ 0001: 15 [0-9a-f]{2} 00 c000003e   jeq ARCH_X86_64 [0-9a-f]{4} \(false 0002\)$/);
    for (const l of lines.slice(2)) expect(l).toMatch(/^ [0-9a-f]{4}: [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{8}   \S/);
    expect(lines.length - 2).toBe(filter.instructionCount);
  });

  test('names arches, syscalls, x32 and argument constants', () => {
    for (const s of ['jeq ARCH_I386', 'ret KILL_PROCESS', 'ld  data.syscall-number', 'jge X32_ABI', 'jeq TIOCSTI', 'jeq TIOCLINUX', 'jeq AF_UNIX', 'jeq AF_INET6', 'ld  data.args[1]', 'jset CLONE_NEWCGROUP|', 'ret ERRNO(EAFNOSUPPORT)', 'ret ERRNO(ENOSYS)', 'ret ERRNO(EPERM)', 'ret ALLOW', 'jge ioctl', 'jeq SYS_SOCKET']) {
      expect({ s, found: text.includes(s) }).toEqual({ s, found: true });
    }
  });

  test('a split filter prints every program', () => {
    const big = compileFilter(defaultProfileSpec('x86_64'), { maxInstructions: 100 });
    const out = formatFilter(big);
    expect(out).toContain(`program ${big.programs.length} of ${big.programs.length}`);
  });
});

describe('the rule listing', () => {
  test('a blocklist reads like the BLACKLIST lines of the reference', () => {
    const f = compileFilter({ ...baseSpec('x86_64'), syscalls: { kind: 'blocklist', defaultList: false, entries: parseSyscallList('mount,umount2,unlinkat:ENOENT') } });
    expect(formatRules(f)).toBe([
      'x86_64:',
      '  BLACKLIST 165 mount',
      '  BLACKLIST 166 umount2',
      '  BLACKLIST 263 unlinkat ERRNO(ENOENT)',
      '  ARGCHECK 16 ioctl if arg1 in {0x5412, 0x541c}: ERRNO(EPERM) (kiln: terminal injection)',
      'i386:',
      '  BLACKLIST 21 mount',
      '  BLACKLIST 52 umount2',
      '  BLACKLIST 301 unlinkat ERRNO(ENOENT)',
      '  ARGCHECK 54 ioctl if arg1 in {0x5412, 0x541c}: ERRNO(EPERM) (kiln: terminal injection)',
      '',
    ].join('\n'));
  });

  test('an allowlist reads like the WHITELIST lines, execve included', () => {
    const f = compileFilter({ ...baseSpec('x86_64'), blockSecondary: true, syscalls: { kind: 'allowlist', entries: parseSyscallList('read,write,exit_group') } });
    expect(formatRules(f).split('\n').slice(0, 4)).toEqual(['  WHITELIST 0 read', '  WHITELIST 1 write', '  WHITELIST 231 exit_group', '  WHITELIST 59 execve']);
    expect(f.notes).toContain('execve is allowed although seccomp.keep does not list it: the launcher needs it');
  });

  test('restrict-namespaces shows its clone3 verdict', () => {
    const f = compileFilter(defaultProfileSpec('aarch64'));
    expect(formatRules(f)).toContain('  FORCED 435 clone3 ERRNO(ENOSYS) (restrict-namespaces)');
  });
});

describe('the debug tables', () => {
  test('--debug-syscalls, --debug-syscalls32, --debug-errnos, --debug-protocols', () => {
    expect(formatSyscallTable('x86_64').split('\n').slice(0, 2)).toEqual(['0\t- read', '1\t- write']);
    expect(formatSyscallTable('x86_64')).toContain('56\t- clone\n');
    expect(formatSyscallTable('x86_64')).toContain('469\t- file_setattr\n');
    expect(formatSyscallTable('i386')).toContain('102\t- socketcall\n');
    expect(formatErrnoTable().split('\n')[0]).toBe('1\t- EPERM');
    expect(formatErrnoTable()).toContain('95\t- ENOTSUP\n');
    expect(formatProtocols()).toBe('unix, inet, inet6, netlink, packet, bluetooth, \n');
  });
});
