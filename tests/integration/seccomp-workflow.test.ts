/**
 * The workflow of the reference article, end to end with kiln's command line: trace what a program
 * calls, allow exactly that with --seccomp.keep, take one syscall out and watch the program fail, find
 * the blocked syscall by name (the kernel's audit line under seccomp-error-action log, translated with
 * kiln's own syscall table), put it back and watch the program succeed.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syscallName } from '../../src/seccomp/index.ts';
import { IS_ROOT, hasCommand, kiln, run, tempDir } from '../lib/run.ts';

const nativeArch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;

describe.skipIf(!hasCommand('strace') || nativeArch === undefined)('the seccomp.keep workflow', () => {
  const d = tempDir('kiln-workflow-');
  const trace = join(d.path, 'trace');
  run(['strace', '-f', '-qq', '-o', trace, '/bin/true']);
  const calls = [
    ...new Set(
      readFileSync(trace, 'utf8')
        .split('\n')
        .map((l) => /^(?:\d+\s+)?([a-z0-9_]+)\(/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined),
    ),
  ].sort();
  d.cleanup();
  const keep = (names: readonly string[]) => `--seccomp.keep=${names.join(',')}`;
  const without = (name: string) => calls.filter((c) => c !== name);

  test('the traced list is enough, and /bin/true needs brk', () => {
    expect(calls).toContain('brk');
    expect(kiln(['--quiet', '--noprofile', keep(calls), '/bin/true']).code).toBe(0);
  });

  test('without brk and with the kill action, the program dies of SIGSYS', () => {
    expect(kiln(['--quiet', '--noprofile', keep(without('brk')), '--seccomp-error-action=kill', '/bin/true']).code).toBe(128 + 31);
  });

  test.skipIf(!IS_ROOT)('under seccomp-error-action log the kernel names the syscall; kiln translates the number', () => {
    // NOTE: by the kernel's timestamps, not by line count: a full ring buffer (bridges and veths in the
    // network tests log a lot) drops old lines as new ones come.
    const stamp = (l: string) => Number(/^\[\s*(\d+\.\d+)\]/.exec(l)?.[1] ?? 'NaN');
    const last = run(['dmesg']).stdout.trim().split('\n').map(stamp).filter((t) => !Number.isNaN(t)).at(-1) ?? 0;
    expect(kiln(['--quiet', '--noprofile', keep(without('brk')), '--seccomp-error-action=log', '/bin/true']).code).toBe(0);
    const fresh = run(['dmesg']).stdout.split('\n').filter((l) => stamp(l) >= last);
    const numbers = fresh.filter((l) => l.includes('type=1326') && l.includes('comm="true"')).map((l) => Number(/syscall=(\d+)/.exec(l)?.[1]));
    expect(numbers.length).toBeGreaterThan(0);
    expect([...new Set(numbers.map((n) => syscallName(nativeArch as 'x86_64' | 'aarch64', n)))]).toEqual(['brk']);
  });

  test('with brk back in the list, the program runs again', () => {
    expect(kiln(['--quiet', '--noprofile', keep([...without('brk'), 'brk']), '--seccomp-error-action=kill', '/bin/true']).code).toBe(0);
  });
});
