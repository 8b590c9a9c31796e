/** Firejail's syscall groups as kiln defines them. */
import { describe, expect, test } from 'bun:test';
import { expandGroup, GROUP_NAMES, isGroupName, kilnAdditions, type GroupName } from './groups.ts';
import { isKnownSyscall, syscallNumber } from './syscalls.ts';

/** Group members that none of kiln's ABIs has: Firejail's groups also cover other architectures. */
const OTHER_ARCHES = [
  'ni_syscall', 'pciconfig_iobase', 'pciconfig_read', 'pciconfig_write', 'recv', 'rtas', 's390_mmio_read',
  's390_mmio_write', 's390_runtime_instr', 'send', 'subpage_prot', 'swapcontext', 'switch_endian',
  'sync_file_range2', 'sys_debug_setcontext',
];

describe('syscall groups', () => {
  test("every group of Firejail's man page exists", () => {
    const man = ['aio', 'basic-io', 'chown', 'clock', 'cpu-emulation', 'debug', 'default', 'default-nodebuggers', 'default-keep', 'file-system', 'io-event', 'ipc', 'keyring', 'memlock', 'module', 'mount', 'network-io', 'obsolete', 'privileged', 'process', 'raw-io', 'reboot', 'resources', 'setuid', 'signal', 'swap', 'sync', 'system-service', 'timer'];
    expect([...GROUP_NAMES].sort() as string[]).toEqual(man.sort());
    expect(isGroupName('default')).toBe(true);
    expect(isGroupName('nope')).toBe(false);
  });

  test('every member is a syscall kiln knows, or one of other arches', () => {
    const unknown = new Set<string>();
    for (const g of GROUP_NAMES) for (const name of expandGroup(g)) if (!isKnownSyscall(name)) unknown.add(name);
    expect([...unknown].sort()).toEqual(OTHER_ARCHES);
  });

  test('@default-nodebuggers is @default plus the debugger syscalls', () => {
    const def = new Set(expandGroup('default'));
    const nodebug = expandGroup('default-nodebuggers');
    expect(nodebug.filter((n) => !def.has(n)).sort()).toEqual(['personality', 'process_vm_readv', 'ptrace']);
    expect(def.has('mount') && def.has('kexec_load') && def.has('bpf') && def.has('umount2')).toBe(true);
  });

  test("kiln's additions are newer syscalls, and can be left out to compare with Firejail", () => {
    const groups: GroupName[] = ['mount', 'file-system', 'default', 'privileged'];
    for (const g of groups) {
      const all = expandGroup(g);
      const firejail = new Set(expandGroup(g, { firejailOnly: true }));
      const extra = all.filter((n) => !firejail.has(n));
      expect(extra.length).toBeGreaterThan(0);
      for (const n of extra) expect(syscallNumber('x86_64', n)).toBeGreaterThan(423); // added in Linux 5.1 or later
    }
    expect(kilnAdditions('mount')).toEqual(['mount_setattr', 'open_tree_attr']);
    expect(expandGroup('default')).toContain('mount_setattr');
  });
});
