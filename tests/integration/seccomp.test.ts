/**
 * kiln's seccomp filters on the real kernel: each case of tests/seccomp/cases.ts for the native arch is
 * loaded with `bwrap --add-seccomp-fd` and its syscalls are made from Python (tests/seccomp/syscall.py),
 * including i386 calls through `int 0x80` and x32 numbers. Every refusal has a control: the same call in
 * the same bwrap without the filter gets another answer from the kernel.
 */
import { describe, expect, test } from 'bun:test';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archFromNode } from '../../src/seccomp/arch.ts';
import { compileFilter } from '../../src/seccomp/compile.ts';
import { runFilters } from '../../src/seccomp/simulate.ts';
import { defaultProfileSpec } from '../../src/seccomp/common-specs.ts';
import { baseSpec, type FilterSpec } from '../../src/seccomp/spec.ts';
import { parseSyscallList } from '../../src/seccomp/parse.ts';
import { syscallName } from '../../src/seccomp/syscalls.ts';
import { hasCommand, IS_ROOT, ROOT, tempDir } from '../lib/run.ts';
import { CASES, E, EACCES, EAFNOSUPPORT, ENOSYS, EPERM, hugeSpec, type Call, type Expect } from '../seccomp/cases.ts';
import { callData, callNumber, describeCall } from '../seccomp/run.ts';

const NATIVE = archFromNode(process.arch);
const HELPER = join(ROOT, 'tests/seccomp/syscall.py');
const CAN_RUN = NATIVE !== undefined && hasCommand('bwrap') && hasCommand('python3');
const SIGSYS_EXIT = 128 + 31;

interface Outcome {
  readonly code: number;
  readonly results: readonly (readonly [number, number])[];
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `python3 syscall.py CALLS` in bwrap with the programs on fds 3, 4, …; `control` adds a user namespace. */
function runCalls(programs: readonly Uint8Array[], calls: readonly Call[], opts: { control?: boolean; program?: readonly string[] } = {}): Outcome {
  const dir = tempDir('kiln-seccomp-');
  const fds: number[] = [];
  try {
    const argv = ['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
    // NOTE: controls run without a filter, so as root they get a user namespace: no call in the table
    // can then act on the host (kexec_load, settimeofday, …).
    if (opts.control && IS_ROOT) argv.push('--unshare-user', '--uid', '0');
    programs.forEach((p, i) => {
      const file = join(dir.path, `filter${i}.bpf`);
      writeFileSync(file, p);
      fds.push(openSync(file, 'r'));
      argv.push('--add-seccomp-fd', String(3 + i));
    });
    const json = JSON.stringify(calls.map((c) => ({ nr: callNumber(c), args: (c.args ?? []).map(String), i386: c.abi === 'i386' })));
    argv.push(...(opts.program ?? ['python3', HELPER, json]));
    const p = Bun.spawnSync(argv, { stdio: ['ignore', 'pipe', 'pipe', ...fds] as never, timeout: 30_000 });
    const out = p.stdout.toString().trim();
    return { code: p.exitCode ?? -1, results: out.startsWith('[') ? JSON.parse(out) : [], stdout: out, stderr: p.stderr.toString() };
  } finally {
    for (const fd of fds) closeSync(fd);
    dir.cleanup();
  }
}

/** What a filter's refusal looks like for this call; `allow` and `log` must not look like that. */
function matches(e: Expect, [ret, errno]: readonly [number, number]): boolean {
  switch (e.kind) {
    case 'errno':
      return ret === -1 && errno === e.errno;
    case 'allow':
    case 'log':
      return !(ret === -1 && [E, EAFNOSUPPORT, ENOSYS].includes(errno));
    case 'kill':
      return false;
  }
}

/** The control: the kernel alone answers this refused call differently (unknown numbers are ENOSYS either way). */
function controllable(c: Call): boolean {
  return c.expect.kind === 'errno' && !(c.expect.errno === ENOSYS && typeof c.syscall === 'number');
}

/** Whether `int 0x80` works here (IA32 emulation on): without it, i386 calls are skipped, visibly. */
const IA32 = CAN_RUN && NATIVE === 'x86_64' && (() => {
  const r = runCalls([], [{ abi: 'i386', syscall: 'getpid', expect: { kind: 'allow' } }], { control: true });
  return r.code === 0 && (r.results[0]?.[0] ?? -1) > 0;
})();

describe.skipIf(!CAN_RUN)(`seccomp on the kernel (${NATIVE ?? 'unknown arch'}, ${IS_ROOT ? 'root' : 'unprivileged'})`, () => {
  // A visible skip when the kernel has no IA32 emulation: the i386 calls of the table then do not run.
  test.skipIf(!IA32)('i386 calls run through int 0x80 (IA32 emulation)', () => {
    expect(IA32).toBe(true);
  });

  for (const c of CASES) {
    test(c.name, () => {
      const arch = NATIVE!;
      const filter = compileFilter(c.spec(arch), { precompiled: false });
      const calls = c.calls(arch).filter((call) => !call.simulatorOnly && (call.abi !== 'i386' || IA32));
      expect(calls.length).toBeGreaterThan(0);
      const survivors = calls.filter((call) => call.expect.kind !== 'kill');
      if (survivors.length > 0) {
        const r = runCalls(filter.programs, survivors);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
        const got = survivors.map((call, i) => `${describeCall(call)} → ${matches(call.expect, r.results[i]!) ? 'as expected' : `got ${JSON.stringify(r.results[i])}, want ${JSON.stringify(call.expect)}`}`);
        expect(got).toEqual(survivors.map((call) => `${describeCall(call)} → as expected`));
        // Control: without the filter, the kernel answers the refused calls otherwise.
        const refused = survivors.filter(controllable);
        if (refused.length > 0) {
          const ctl = runCalls([], refused, { control: true });
          expect(ctl.code).toBe(0);
          refused.forEach((call, i) => {
            expect({ call: describeCall(call), kernelAlone: matches(call.expect, ctl.results[i]!) }).toEqual({ call: describeCall(call), kernelAlone: false });
          });
        }
      }
      for (const call of calls.filter((x) => x.expect.kind === 'kill')) {
        expect({ call: describeCall(call), code: runCalls(filter.programs, [call]).code }).toEqual({ call: describeCall(call), code: SIGSYS_EXIT });
        expect({ call: describeCall(call), control: runCalls([], [call], { control: true }).code }).toEqual({ call: describeCall(call), control: 0 });
      }
    });
  }
});

describe.skipIf(!CAN_RUN)('socket(0x100000001, …)', () => {
  test('is AF_UNIX to the kernel, so protocol=inet must refuse it', () => {
    const call: Call = { abi: NATIVE!, syscall: 'socket', args: [0x1_0000_0001n, 1, 0], expect: { kind: 'errno', errno: EAFNOSUPPORT } };
    // Control: the kernel truncates the family to an int and makes a unix socket.
    const ctl = runCalls([], [call], { control: true });
    expect(ctl.results[0]![0]).toBeGreaterThanOrEqual(0);
    const filter = compileFilter({ ...baseSpec(NATIVE!), protocols: ['inet'] });
    expect(runCalls(filter.programs, [call]).results[0]).toEqual([-1, EAFNOSUPPORT]);
  });
});

describe.skipIf(!CAN_RUN || NATIVE !== 'x86_64')('the 4,096-instruction limit', () => {
  test('the kernel refuses one longer program (control); kiln splits it into programs that load and decide', () => {
    const spec = hugeSpec(3000);
    const calls: Call[] = [
      { abi: 'x86_64', syscall: 2000, expect: { kind: 'errno', errno: EPERM } },
      { abi: 'x86_64', syscall: 2002, expect: { kind: 'errno', errno: EACCES } },
      { abi: 'x86_64', syscall: 7998, expect: { kind: 'errno', errno: EACCES } },
      { abi: 'x86_64', syscall: 'getpid', expect: { kind: 'allow' } },
    ];
    const whole = compileFilter(spec, { maxInstructions: Number.MAX_SAFE_INTEGER });
    expect(whole.instructionCount).toBeGreaterThan(4096);
    const refused = runCalls(whole.programs, calls);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('PR_SET_SECCOMP) reported EINVAL');

    const split = compileFilter(spec);
    expect(split.programs.length).toBeGreaterThan(1);
    const r = runCalls(split.programs, calls);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    calls.forEach((call, i) => expect({ call: describeCall(call), ok: matches(call.expect, r.results[i]!) }).toEqual({ call: describeCall(call), ok: true }));
    // Control: these numbers are no syscalls; the kernel alone says ENOSYS.
    expect(runCalls([], calls.slice(0, 3), { control: true }).results).toEqual([[-1, ENOSYS], [-1, ENOSYS], [-1, ENOSYS]]);
  });
});

describe.skipIf(!CAN_RUN || !hasCommand('strace'))('the workflow of the reference: narrowing to seccomp.keep', () => {
  test('a keep list one syscall short kills the program; the filter names the syscall; adding it back works', () => {
    // 1. The syscalls /bin/true makes, from strace (as the reference does).
    const dir = tempDir('kiln-strace-');
    let names: string[];
    try {
      const log = join(dir.path, 'trace');
      expect(Bun.spawnSync(['strace', '-f', '-qq', '-o', log, '/bin/true']).exitCode).toBe(0);
      names = [...new Set(readFileSync(log, 'utf8').split('\n').map((l) => /^\d*\s*([a-z0-9_]+)\(/.exec(l)?.[1]).filter((n): n is string => n !== undefined))];
    } finally {
      dir.cleanup();
    }
    expect(names).toContain('execve');
    const keep = (list: readonly string[]): FilterSpec => ({
      ...baseSpec(NATIVE!),
      errorAction: { kind: 'kill' },
      syscalls: { kind: 'allowlist', entries: parseSyscallList(list.join(',')) },
    });
    // 2. One syscall short: killed.
    const short = names.filter((n) => n !== 'brk');
    const failing = compileFilter(keep(short));
    expect(runCalls(failing.programs, [], { program: ['/bin/true'] }).code).toBe(SIGSYS_EXIT);
    // 3. The blocked syscall by name, as --debug would report it: the first traced call the filter refuses.
    const blocked = names.find((n) => runFilters(failing.insns, callData({ abi: NATIVE!, syscall: n, expect: { kind: 'allow' } })).action.kind !== 'allow');
    expect(blocked).toBe('brk');
    expect(syscallName(NATIVE!, callNumber({ abi: NATIVE!, syscall: 'brk' }))).toBe('brk');
    // 4. Added back: runs.
    expect(runCalls(compileFilter(keep(names)).programs, [], { program: ['/bin/true'] }).code).toBe(0);
  });
});

describe.skipIf(!CAN_RUN)('terminal injection (TIOCSTI)', () => {
  // The child of pty.fork has the pty as its controlling terminal, puts it in raw mode, pushes 'x' into
  // its input with TIOCSTI and reads it back. Exit 0: injected; 10 + errno: refused.
  const SCRIPT = [
    'import fcntl, os, pty, termios, tty',
    'pid, master = pty.fork()',
    'if pid == 0:',
    '    try:',
    '        tty.setraw(0)',
    "        fcntl.ioctl(0, termios.TIOCSTI, b'x')",
    '    except OSError as e:',
    '        os._exit(10 + e.errno)',
    "    os._exit(0 if os.read(0, 1) == b'x' else 2)",
    '_, status = os.waitpid(pid, 0)',
    'print(os.waitstatus_to_exitcode(status))',
  ].join('\n');
  const legacy = existsSync('/proc/sys/dev/tty/legacy_tiocsti') ? readFileSync('/proc/sys/dev/tty/legacy_tiocsti', 'utf8').trim() : 'absent';
  const inject = (programs: readonly Uint8Array[]) => {
    const r = runCalls(programs, [], { program: ['python3', '-c', SCRIPT] });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return r.stdout;
  };

  test(`works without kiln's filter (control; dev.tty.legacy_tiocsti=${legacy}, ${IS_ROOT ? 'root' : 'unprivileged'})`, () => {
    // NOTE: with legacy_tiocsti=0 the kernel itself refuses TIOCSTI (EIO) to callers without
    // CAP_SYS_ADMIN; then the control shows that, and kiln's filter still answers first with EPERM.
    const kernelRefuses = legacy === '0' && !IS_ROOT;
    expect(inject([])).toBe(kernelRefuses ? String(10 + 5) : '0');
  });

  test('is refused in every kiln sandbox, with or without a seccomp list', () => {
    for (const spec of [baseSpec(NATIVE!), defaultProfileSpec(NATIVE!)]) {
      expect(inject(compileFilter(spec).programs)).toBe(String(10 + 1));
    }
  });
});
