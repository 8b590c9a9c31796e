/**
 * The profile language through the kiln binary: selection, diagnostics, --profile.check and
 * --profile.explain, hostile files, and profiles taking effect in a real sandbox. Each negative check has
 * a positive control.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, KILN, kiln, run, tempDir } from '../lib/run.ts';

let dirs: { path: string; cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs) d.cleanup();
  dirs = [];
});

/** A home directory with files (relative path → content); profiles go in .config/kiln. */
function home(files: Record<string, string | Uint8Array> = {}): { root: string; path: (rel: string) => string } {
  const d = tempDir('kiln-profile-home-');
  dirs.push(d);
  for (const [rel, content] of Object.entries(files)) {
    const p = join(d.path, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content);
  }
  return { root: d.path, path: (rel) => join(d.path, rel) };
}

function kilnAt(h: { root: string }, args: readonly string[]) {
  return kiln(args, { env: { HOME: h.root }, timeoutMs: 20_000 });
}

describe('--profile.check', () => {
  test('a valid profile: exit 0 and a verdict', () => {
    const h = home({ '.config/kiln/app.profile': 'include app.local\nblacklist ${HOME}/.ssh\ntracelog\n' });
    const r = kilnAt(h, ['--profile.check=app']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${h.path('.config/kiln/app.profile')}: valid, 1 file read, 0 warnings`);
    expect(r.stdout).not.toContain('recognized but not enforced');
  });

  test('an invalid profile: exit 1, every error with file:line:col, the include chain and a suggestion', () => {
    const h = home({
      '.config/kiln/app.profile': '# app\ninclude extra.inc\nprivate-dev\n',
      '.config/kiln/extra.inc': 'privat-dev\ncaps.drop sys_admn\n',
    });
    const r = kilnAt(h, ['--profile.check=app']);
    expect(r.code).toBe(1);
    const inc = h.path('.config/kiln/extra.inc');
    const main = h.path('.config/kiln/app.profile');
    expect(r.stderr).toBe(
      [
        `${inc}:1:1: unknown command 'privat-dev' (did you mean 'private-dev'?)`,
        `  included from ${main}:2:9`,
        `${inc}:2:11: caps.drop: unknown capability 'sys_admn' (did you mean 'sys_admin'?)`,
        `  included from ${main}:2:9`,
        '',
      ].join('\n'),
    );
    expect(r.stdout).toContain('invalid, 2 errors');
  });

  test('a path works as well as a name; an unknown name gets a suggestion', () => {
    const h = home({ 'p.profile': 'quiet\n', '.config/kiln/firefox.profile': '' });
    expect(kilnAt(h, [`--profile.check=${h.path('p.profile')}`]).code).toBe(0);
    const r = kilnAt(h, ['--profile.check=firefx']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("did you mean 'firefox'");
  });
});

describe('--profile.explain', () => {
  test('prints what is hidden, read-only, whitelisted and filtered', () => {
    const h = home({
      '.config/kiln/app.profile': 'noblacklist ${HOME}/.ok\nblacklist ${HOME}/.ok\nblacklist ${HOME}/.secret\nread-only ${HOME}/.bashrc\nwhitelist ${HOME}/Work\ncaps.drop all\nseccomp\nprotocol unix\n',
    });
    const r = kilnAt(h, ['--profile.explain=app']);
    expect(r.code).toBe(0);
    const main = h.path('.config/kiln/app.profile');
    expect(r.stdout).toContain(`Hidden (blacklist):\n  ${h.path('.secret')}  (${main}:3)`);
    expect(r.stdout).toContain(`${h.path('.ok')}: blacklist at ${main}:2, cancelled by ${main}:1`);
    expect(r.stdout).toContain(`read-only ${h.path('.bashrc')}  (${main}:4)`);
    expect(r.stdout).toContain(`Whitelisted (everything else in their top directories is hidden):\n  ${h.path('Work')}`);
    expect(r.stdout).toContain('capabilities: all dropped');
    expect(r.stdout).toContain('seccomp: the default blocklist');
    expect(r.stdout).toContain('socket families: unix only');
  });
});

describe('hostile profiles: an error that names the file, exit 1, never a crash or a hang', () => {
  const cases: [string, (h: ReturnType<typeof home>) => void, string][] = [
    ['a directory', (h) => mkdirSync(h.path('.config/kiln/bad.profile'), { recursive: true }), 'is a directory'],
    ['a binary', (h) => writeFileSync(h.path('.config/kiln/bad.profile'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0])), 'contains a NUL byte'],
    ['NUL bytes', (h) => writeFileSync(h.path('.config/kiln/bad.profile'), 'quiet\nsec\0comp\n'), ':2:4: contains a NUL byte'],
    ['invalid UTF-8', (h) => writeFileSync(h.path('.config/kiln/bad.profile'), Buffer.from('quiet\nblacklist /\xff\n', 'latin1')), ':2:12: invalid UTF-8'],
    ['a 1 MB line', (h) => writeFileSync(h.path('.config/kiln/bad.profile'), `blacklist /${'a'.repeat(1_000_000)}\n`), ':1:1: line is 1000011 characters long'],
    ['10,000 includes', (h) => writeFileSync(h.path('.config/kiln/bad.profile'), 'include x.inc\n'.repeat(10_000)), 'more than 1000 includes'],
    ['a self-include', (h) => writeFileSync(h.path('.config/kiln/bad.profile'), 'include bad.profile\n'), 'include cycle'],
    ['an escape sequence', (h) => writeFileSync(h.path('.config/kiln/bad.profile'), 'blacklist /x\u001b]0;owned\u0007\n'), 'control character U+001B'],
  ];
  for (const [name, make, message] of cases) {
    test(name, () => {
      const h = home({ '.config/kiln/x.inc': 'quiet\n' });
      mkdirSync(h.path('.config/kiln'), { recursive: true });
      make(h);
      const started = performance.now();
      const r = kilnAt(h, ['--profile.check=bad']);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(h.path('.config/kiln/bad.profile'));
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at |TypeError|RangeError|\u001b/);
    });
  }

  const kilntest = run(['id', '-u', 'kilntest']);
  test.skipIf(!IS_ROOT || kilntest.code !== 0)('an unreadable profile (as the unprivileged user kilntest)', () => {
    const h = home({ 'bad.profile': 'quiet\n' });
    chmodSync(h.root, 0o755);
    chmodSync(h.path('bad.profile'), 0o000);
    const r = run(['runuser', '-u', 'kilntest', '--', KILN, `--profile.check=${h.path('bad.profile')}`], { env: { HOME: '/tmp' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${h.path('bad.profile')}: cannot be read: Permission denied (EACCES)\n`);
  });
});

describe('launching with a profile', () => {
  test('the profile named after the program is read, announced, and takes effect', () => {
    const h = home({ '.config/kiln/cat.profile': 'include cat.local\nblacklist ${HOME}/secret\n', secret: 'top secret\n' });
    const r = kilnAt(h, ['cat', h.path('secret')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Reading profile ${h.path('.config/kiln/cat.profile')}\n`);
    expect(r.stdout).not.toContain('top secret');
    // control: without the profile the file is readable
    expect(kilnAt(h, ['--quiet', '--noprofile', 'cat', h.path('secret')]).stdout).toBe('top secret\n');
  });

  test('a .local noblacklist, read first, cancels the blacklist; --ignore drops a command', () => {
    const h = home({
      '.config/kiln/cat.profile': 'include cat.local\nblacklist ${HOME}/secret\n',
      '.config/kiln/cat.local': 'noblacklist ${HOME}/secret\n',
      secret: 'visible\n',
    });
    expect(kilnAt(h, ['--quiet', 'cat', h.path('secret')]).stdout).toBe('visible\n');
    writeFileSync(h.path('.config/kiln/cat.local'), '');
    expect(kilnAt(h, ['--quiet', 'cat', h.path('secret')]).code).not.toBe(0);
    expect(kilnAt(h, ['--quiet', '--ignore=blacklist', 'cat', h.path('secret')]).stdout).toBe('visible\n');
  });

  test('--profile=PATH overrides the program profile; --noprofile reads none', () => {
    const h = home({ '.config/kiln/cat.profile': 'blacklist ${HOME}/a\n', 'other.profile': 'blacklist ${HOME}/b\n', a: 'A\n', b: 'B\n' });
    const r = kilnAt(h, [`--profile=${h.path('other.profile')}`, 'cat', h.path('a')]);
    expect(r.stdout).toBe('A\n');
    expect(r.stderr).toContain(`Reading profile ${h.path('other.profile')}`);
    expect(r.stderr).not.toContain('cat.profile');
    expect(kilnAt(h, ['--noprofile', 'true']).stderr).not.toContain('Reading profile');
  });

  test('quiet, in the profile or as an option, silences the reading lines and warnings', () => {
    const h = home({ '.config/kiln/true.profile': 'quiet\ntracelog\n' });
    expect(kilnAt(h, ['true']).stderr).toBe('');
    writeFileSync(h.path('.config/kiln/true.profile'), 'tracelog\n');
    expect(kilnAt(h, ['--quiet', 'true']).stderr).toBe('');
    expect(kilnAt(h, ['true']).stderr).toContain('Reading profile');
  });

  test('every profile command is enforced now: tracelog and apparmor, however often they appear, warn of nothing', () => {
    const h = home({ '.config/kiln/true.profile': 'tracelog\ntracelog\napparmor\nseccomp\n' });
    const r = kilnAt(h, ['true']);
    expect(r.code).toBe(0);
    // Control: the profile was read (the lines that --quiet silences are there).
    expect(r.stderr).toContain('Reading profile');
    expect(r.stderr).not.toContain('recognized but not enforced');
  });

  test('an invalid profile stops the launch before anything runs', () => {
    const h = home({ '.config/kiln/touch.profile': 'blacklist relative/path\n' });
    const marker = h.path('ran');
    const r = kilnAt(h, ['touch', marker]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${h.path('.config/kiln/touch.profile')}:1:11: blacklist: the path must be absolute`);
    expect(existsSync(marker)).toBe(false);
    // control
    expect(kilnAt(h, ['--quiet', '--noprofile', 'touch', marker]).code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  test('--include is read before the profile, and --ignore in it applies to the profile', () => {
    const h = home({ '.config/kiln/cat.profile': 'blacklist ${HOME}/secret\n', 'pre.inc': 'ignore blacklist\n', secret: 'S\n' });
    const r = kilnAt(h, [`--include=${h.path('pre.inc')}`, 'cat', h.path('secret')]);
    expect(r.stdout).toBe('S\n');
    expect(r.stderr.indexOf(`Reading profile ${h.path('pre.inc')}`)).toBeLessThan(r.stderr.indexOf('cat.profile'));
    // control
    expect(kilnAt(h, ['--quiet', 'cat', h.path('secret')]).code).not.toBe(0);
  });

  test('a malformed option is a usage error naming the option', () => {
    const r = kiln(['--caps.drop=sys_admn', '--noprofile', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("kiln: option '--caps.drop=sys_admn': caps.drop: unknown capability 'sys_admn' (did you mean 'sys_admin'?)\n");
  });

  test('the profile cannot make its own directory writable', () => {
    const h = home({ '.config/kiln/sh.profile': 'read-write ${HOME}/.config/kiln\n' });
    const r = kilnAt(h, ['--quiet', 'sh', '-c', `echo x > ${h.path('.config/kiln/x.local')}`]);
    expect(r.code).not.toBe(0);
    expect(existsSync(h.path('.config/kiln/x.local'))).toBe(false);
  });
});
