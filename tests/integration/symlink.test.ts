/**
 * Symlink invocation (src/desktop/invocation.ts): kiln run under another name sandboxes the program of
 * that name, found on PATH past every entry that is kiln itself, with its arguments unparsed.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, KILN, run, tempDir } from '../lib/run.ts';

describe('kiln run under a program name', () => {
  const t = tempDir('kiln-symlink-');
  const bin = join(t.path, 'bin');
  const home = join(t.path, 'home');
  mkdirSync(bin);
  mkdirSync(join(home, '.config/kiln'), { recursive: true });
  for (const name of ['cat', 'echo', 'readlink', 'kiln-no-such-program']) symlinkSync(KILN, join(bin, name));
  symlinkSync(join(bin, 'kiln-no-such-program'), join(bin, 'chain'));
  const path = `${bin}:/usr/bin:/bin`;
  const env = { PATH: path, HOME: home };
  afterAll(() => t.cleanup());

  test('the program runs in a sandbox: its pid 1 is bwrap', () => {
    const r = run([join(bin, 'cat'), '/proc/1/comm'], { env });
    expect([r.code, r.stdout.trim()]).toEqual([0, 'bwrap']);
    // Control: the same program, run directly, is not in one.
    expect(run(['/usr/bin/cat', '/proc/1/comm'], { env }).stdout.trim()).not.toBe('bwrap');
  });

  test('its arguments reach it unparsed, kiln options included', () => {
    const r = run([join(bin, 'echo'), '--private', '--noprofile', '--', 'hello'], { env });
    expect([r.code, r.stdout.trim()]).toEqual([0, '--private --noprofile -- hello']);
  });

  test("the program's own profile applies, as for kiln NAME", () => {
    writeFileSync(join(home, '.config/kiln/cat.profile'), 'blacklist /etc/hostname\n');
    try {
      expect(run([join(bin, 'cat'), '/etc/hostname'], { env }).code).not.toBe(0);
      // Control: without that profile's rule the file reads.
      expect(run([KILN, '--quiet', '--noprofile', '/usr/bin/cat', '/etc/hostname'], { env }).code).toBe(0);
    } finally {
      writeFileSync(join(home, '.config/kiln/cat.profile'), '');
    }
  });

  test('kiln NAME passes over PATH entries that are kiln itself, rather than run kiln again', () => {
    writeFileSync(join(home, '.config/kiln/cat.profile'), 'blacklist /etc/hostname\n');
    try {
      // With bin first on PATH, a nested kiln would apply cat.profile and fail; the real cat runs under --noprofile.
      const r = run([KILN, '--quiet', '--noprofile', 'cat', '/etc/hostname'], { env });
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain('Reading profile');
    } finally {
      writeFileSync(join(home, '.config/kiln/cat.profile'), '');
    }
  });

  test('a name with no program but kiln gets a clear error, never a loop: a chain, a PATH with the links twice', () => {
    for (const [argv0, pathVar] of [
      [join(bin, 'kiln-no-such-program'), path],
      [join(bin, 'kiln-no-such-program'), `${bin}:${bin}:/usr/bin:/bin`],
      [join(bin, 'chain'), `${bin}:/usr/bin:/bin`],
    ] as const) {
      const r = run([argv0, 'x'], { env: { ...env, PATH: pathVar }, timeoutMs: 10_000 });
      expect(r.code).toBe(127);
      expect(r.stderr).toContain(argv0.slice(argv0.lastIndexOf('/') + 1));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  describe('inside a sandbox already', () => {
    const pidns = (argv: readonly string[]) => run(argv, { env }).stdout.trim().split('\n');
    const firejail = run(['sh', '-c', 'command -v firejail']).stdout.trim();

    test('a link runs the program directly in the outer sandbox, as under Firejail', () => {
      // The sandbox's shell and the program it starts through the link: one pid namespace, not two.
      const [shell, program] = pidns([KILN, '--quiet', '--noprofile', '/bin/sh', '-c', `/usr/bin/readlink /proc/self/ns/pid; ${join(bin, 'readlink')} /proc/self/ns/pid`]);
      expect(program).toMatch(/^pid:\[\d+\]$/);
      expect(program).toBe(shell);
      // Control: outside a sandbox the same link starts one, in a pid namespace of its own.
      const [host, sandboxed] = pidns(['/bin/sh', '-c', `/usr/bin/readlink /proc/self/ns/pid; ${join(bin, 'readlink')} /proc/self/ns/pid`]);
      expect(sandboxed).toMatch(/^pid:\[\d+\]$/);
      expect(sandboxed).not.toBe(host);
    });

    test('an explicit kiln run there is refused: its options would not be enforced', () => {
      const marker = join(t.path, 'nested-ran');
      const r = run([KILN, '--quiet', '--noprofile', KILN, '--quiet', '--noprofile', '--net=none', 'touch', marker], { env });
      expect(r.code).toBe(1);
      expect(existsSync(marker)).toBe(false);
      // Control: the same inner command outside a sandbox runs.
      expect(run([KILN, '--quiet', '--noprofile', '--net=none', 'touch', marker], { env }).code).toBe(0);
      expect(existsSync(marker)).toBe(true);
    });

    test.skipIf(firejail === '' || !IS_ROOT)('inside a Firejail sandbox too (skipped: needs firejail, run as root)', () => {
      const [shell, program] = pidns([firejail, '--quiet', '--noprofile', '/bin/sh', '-c', `/usr/bin/readlink /proc/self/ns/pid; ${join(bin, 'readlink')} /proc/self/ns/pid`]);
      expect(program).toMatch(/^pid:\[\d+\]$/);
      expect(program).toBe(shell);
    });
  });

  describe('as a login shell (-kiln)', () => {
    // bash's `exec -a` sets argv[0] as login and sshd do; the script is fixed, with no data in it.
    const login = (extraEnv: Record<string, string>, args: string) =>
      run(['/bin/bash', '-c', `exec -a -kiln "$KILN_UNDER_TEST" ${args}`], { env: { ...env, KILN_UNDER_TEST: KILN, ...extraEnv } });

    test("runs the user's shell in a sandbox, with sshd's -c COMMAND", () => {
      const r = login({ SHELL: '/bin/sh' }, `-c 'cat /proc/1/comm; echo "$0"'`);
      expect([r.code, r.stdout.trim().split('\n')]).toEqual([0, ['bwrap', '/bin/sh']]);
    });

    test('with kiln itself as $SHELL, a real shell runs, not kiln again', () => {
      const r = login({ SHELL: KILN }, `-c 'cat /proc/1/comm; echo "$0"'`);
      expect(r.code).toBe(0);
      const [comm, shell] = r.stdout.trim().split('\n');
      expect(comm).toBe('bwrap');
      expect(['/bin/bash', '/bin/sh']).toContain(shell ?? '');
    });
  });
});
