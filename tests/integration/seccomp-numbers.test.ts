/**
 * `$NUMBER` in seccomp lists, through kiln's command line and profiles into a real sandbox: the numbered
 * syscall fails with the errno asked for, and the same program without the entry succeeds (the control).
 * The program unlinks a file with unlinkat(2) and exits 10 + errno on failure, so the exit code and the
 * file both tell what the kernel answered.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archFromNode } from '../../src/seccomp/arch.ts';
import { syscallNumber } from '../../src/seccomp/syscalls.ts';
import { ROOT, hasCommand, kiln, tempDir } from '../lib/run.ts';

const NATIVE = archFromNode(process.arch);
const CAN_RUN = NATIVE !== undefined && hasCommand('bwrap') && hasCommand('python3');
const UNLINKAT = NATIVE === undefined ? -1 : syscallNumber(NATIVE, 'unlinkat')!;
const EPERM = 1;
const ENOENT = 2;
const EXDEV = 18;
const EACCES = 13;

/** Unlinks DIR/victim with unlinkat (os.unlink with dir_fd); exits 10 + errno if that fails. */
const UNLINK = [
  'import os, sys',
  'd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)',
  'try:',
  "    os.unlink('victim', dir_fd=d)",
  'except OSError as e:',
  '    sys.exit(10 + e.errno)',
].join('\n');

/**
 * Runs the unlinking program under kiln with `options` (and --noprofile unless they name a profile); the
 * exit code and whether the file survived.
 */
function unlinkUnder(options: readonly string[]): { code: number; survived: boolean } {
  const d = tempDir('kiln-seccomp-nr-');
  try {
    writeFileSync(join(d.path, 'victim'), '');
    const profile = options.some((o) => o.startsWith('--profile=')) ? [] : ['--noprofile'];
    const r = kiln(['--quiet', ...profile, ...options, 'python3', '-c', UNLINK, d.path]);
    return { code: r.code, survived: existsSync(join(d.path, 'victim')) };
  } finally {
    d.cleanup();
  }
}

const refused = (errno: number) => ({ code: 10 + errno, survived: true });
const done = { code: 0, survived: false };

describe.skipIf(!CAN_RUN)(`$NUMBER in seccomp lists (unlinkat is $${UNLINKAT} on ${NATIVE ?? 'this arch'})`, () => {
  test('control: the program unlinks the file without a rule, and under the lists the rules extend', () => {
    expect(unlinkUnder([])).toEqual(done);
    expect(unlinkUnder(['--seccomp'])).toEqual(done);
    expect(unlinkUnder(['--seccomp.drop=chroot'])).toEqual(done);
  });

  test('--seccomp=$N:ERRNO and --seccomp.drop=$N[:ERRNO] refuse the call with that errno', () => {
    expect(unlinkUnder([`--seccomp=$${UNLINKAT}:ENOENT`])).toEqual(refused(ENOENT));
    expect(unlinkUnder([`--seccomp.drop=chroot,$${UNLINKAT}:EXDEV`])).toEqual(refused(EXDEV));
    expect(unlinkUnder([`--seccomp.drop=$${UNLINKAT}`])).toEqual(refused(EPERM));
    expect(unlinkUnder(['--seccomp-error-action=EACCES', `--seccomp.drop=$${UNLINKAT}`])).toEqual(refused(EACCES));
  });

  test('$N:kill kills the program with SIGSYS; $N:log lets the call through', () => {
    expect(unlinkUnder([`--seccomp.drop=$${UNLINKAT}:kill`])).toEqual({ code: 128 + 31, survived: true });
    expect(unlinkUnder([`--seccomp.drop=$${UNLINKAT}:log`])).toEqual(done);
  });

  test('!$N takes the syscall out again; a number is the same syscall as its name', () => {
    expect(unlinkUnder([`--seccomp.drop=unlinkat:ENOENT,!$${UNLINKAT}`])).toEqual(done);
    expect(unlinkUnder([`--seccomp.drop=$${UNLINKAT}:ENOENT,!unlinkat`])).toEqual(done);
  });

  test('the profile commands take $N too', () => {
    const d = tempDir('kiln-seccomp-nr-profile-');
    try {
      const profile = join(d.path, 'nr.profile');
      writeFileSync(profile, `seccomp.drop $${UNLINKAT}:EACCES\n`);
      expect(unlinkUnder([`--profile=${profile}`])).toEqual(refused(EACCES));
      writeFileSync(profile, 'seccomp.drop chroot\n');
      expect(unlinkUnder([`--profile=${profile}`])).toEqual(done);
    } finally {
      d.cleanup();
    }
  });

  test('a malformed or out-of-range number is refused before anything runs', () => {
    for (const bad of ['$abc', '$', '$-1', '$0x107', '$1073741824', `$${'9'.repeat(30)}`]) {
      const d = tempDir('kiln-seccomp-nr-bad-');
      try {
        const marker = join(d.path, 'ran');
        const r = kiln(['--quiet', '--noprofile', `--seccomp.drop=${bad}`, 'touch', marker]);
        // One diagnostic line, no stack trace; nothing started.
        expect({ bad, code: r.code, lines: r.stderr.trim().split('\n').length, ran: existsSync(marker) }).toEqual({ bad, code: 1, lines: 1, ran: false });
        // Control: the same command with a valid entry runs.
        expect(kiln(['--quiet', '--noprofile', '--seccomp.drop=$1073741823', 'touch', marker]).code).toBe(0);
        expect(existsSync(marker)).toBe(true);
      } finally {
        d.cleanup();
      }
    }
  });
});

/** Whether `int 0x80` works here; without IA32 emulation the i386 test is a visible skip. */
const HELPER = join(ROOT, 'tests/seccomp/syscall.py');
const I386_GETPID = 20;

function i386Getpid(options: readonly string[]): { code: number; results: unknown } {
  const r = kiln(['--quiet', '--noprofile', ...options, 'python3', HELPER, JSON.stringify([{ nr: I386_GETPID, args: [], i386: true }])]);
  return { code: r.code, results: r.code === 0 ? JSON.parse(r.stdout) : r.stdout };
}

const IA32 = CAN_RUN && NATIVE === 'x86_64' && (() => {
  const r = i386Getpid([]);
  return r.code === 0 && Array.isArray(r.results) && (r.results[0]?.[0] ?? -1) > 0;
})();

describe.skipIf(!CAN_RUN || NATIVE !== 'x86_64')('$NUMBER in seccomp.32 lists (i386 numbers, through int 0x80)', () => {
  test.skipIf(!IA32)('--seccomp.32.drop=$20:EXDEV refuses i386 getpid; without it the call returns a pid', () => {
    const ctl = i386Getpid([]);
    expect(ctl.code).toBe(0);
    expect((ctl.results as number[][])[0]![0]).toBeGreaterThan(0);
    expect(i386Getpid([`--seccomp.32.drop=$${I386_GETPID}:EXDEV`])).toEqual({ code: 0, results: [[-1, EXDEV]] });
    // A native list's $20 (writev on x86_64) does not reach the i386 ABI.
    expect((i386Getpid([`--seccomp.drop=$${I386_GETPID}:EXDEV`]).results as number[][])[0]![0]).toBeGreaterThan(0);
  });
});
