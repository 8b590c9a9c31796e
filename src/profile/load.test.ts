import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync, symlinkSync } from 'node:fs';
import { initialConditions } from './conditions.ts';
import { DEFAULT_CONFIG } from './config.ts';
import { formatDiagnostic } from './diagnostics.ts';
import { MAX_INCLUDE_DEPTH, MAX_INCLUDES } from './load.ts';
import { errors, fakeEnv, kinds, loadFrom, makeTree, type Tree } from './testing.ts';

let tree: Tree | undefined;
afterEach(() => {
  tree?.cleanup();
  tree = undefined;
});
function files(f: Record<string, string | Uint8Array>): Tree {
  tree?.cleanup(); // a test that makes a second tree gets the first one removed
  tree = makeTree(f);
  return tree;
}

describe('include', () => {
  test('a bare name, an absolute path, ${HOME} and ${CFG} are all found, in order', () => {
    const t = files({ 'a.profile': '', 'bare.inc': 'nonewprivs\n', 'abs.inc': 'noroot\n', 'home/h.inc': 'nogroups\n', 'cfg.inc': 'notv\n' });
    t.write('a.profile', `include bare.inc\ninclude ${t.path('abs.inc')}\ninclude \${HOME}/h.inc\ninclude \${CFG}/cfg.inc\n`);
    const p = loadFrom(t, 'a.profile', { env: fakeEnv({ home: t.path('home') }) });
    expect(errors(p)).toEqual([]);
    expect(kinds(p)).toEqual(['nonewprivs', 'noroot', 'nogroups', 'notv']);
    expect(p.files).toEqual(['a.profile', 'bare.inc', 'abs.inc', 'home/h.inc', 'cfg.inc'].map((f) => t.path(f)));
  });

  test('a bare name is searched in the directories in order, then among the built-ins', () => {
    const user = makeTree({ 'x.inc': 'nou2f\n' });
    const system = makeTree({ 'x.inc': 'novideo\n', 'y.inc': 'notv\n', 'p.profile': 'include x.inc\ninclude y.inc\ninclude z.inc\n' });
    try {
      const { createLoader } = require('./load.ts') as typeof import('./load.ts');
      const loader = createLoader({
        env: fakeEnv(),
        search: { dirs: [user.root, system.root], systemDirs: [system.root], builtins: new Map([['z.inc', 'no3d\n'], ['y.inc', 'nodvd\n']]) },
        config: () => DEFAULT_CONFIG,
      });
      const p = loader.load({ sources: [{ kind: 'file', path: system.path('p.profile') }], ignores: [], conditions: initialConditions(false) });
      expect(kinds(p)).toEqual(['nou2f', 'notv', 'no3d']);
      expect(p.files).toEqual([system.path('p.profile'), user.path('x.inc'), system.path('y.inc'), 'builtin:z.inc']);
    } finally {
      user.cleanup();
      system.cleanup();
    }
  });

  test('a missing .local file is silent; any other missing file is an error with a suggestion', () => {
    const t = files({ 'a.profile': 'include a.local\ninclude /nowhere/b.local\ninclude disable-comon.inc\nquiet\n', 'disable-common.inc': '' });
    const p = loadFrom(t, 'a.profile');
    expect(kinds(p)).toEqual(['quiet']);
    expect(p.diagnostics).toHaveLength(1);
    expect(formatDiagnostic(p.diagnostics[0]!)).toContain(`${t.path('a.profile')}:3:9: include file 'disable-comon.inc' not found`);
    expect(p.diagnostics[0]?.message).toContain("(did you mean 'disable-common.inc'?)");
  });

  test('the include chain is reported, innermost first', () => {
    const t = files({ 'a.profile': 'include b.inc\n', 'b.inc': '\n\ninclude c.inc\n', 'c.inc': 'privat-dev\n' });
    const p = loadFrom(t, 'a.profile');
    expect(p.diagnostics.map(formatDiagnostic)).toEqual([
      [
        `${t.path('c.inc')}:1:1: unknown command 'privat-dev' (did you mean 'private-dev'?)`,
        `  included from ${t.path('b.inc')}:3:9`,
        `  included from ${t.path('a.profile')}:1:9`,
      ].join('\n'),
    ]);
  });

  test('self-inclusion and longer cycles are reported, never followed', () => {
    const t = files({ 'self.profile': 'include self.profile\nnonewprivs\n', 'a.inc': 'include b.inc\n', 'b.inc': 'include a.inc\nnoroot\n' });
    const self = loadFrom(t, 'self.profile');
    expect(errors(self)).toEqual([`include cycle: ${t.path('self.profile')} → ${t.path('self.profile')}`]);
    expect(kinds(self)).toEqual(['nonewprivs']);
    const cycle = loadFrom(t, 'a.inc');
    expect(errors(cycle)).toEqual([`include cycle: ${t.path('a.inc')} → ${t.path('b.inc')} → ${t.path('a.inc')}`]);
  });

  test('a cycle through a symbolic link is recognized by file identity', () => {
    const t = files({ 'a.inc': 'include link.inc\n' });
    symlinkSync(t.path('a.inc'), t.path('link.inc'));
    expect(errors(loadFrom(t, 'a.inc'))[0]).toStartWith('include cycle:');
  });

  test(`nesting deeper than ${MAX_INCLUDE_DEPTH} is an error`, () => {
    const f: Record<string, string> = {};
    for (let i = 0; i < 40; i++) f[`f${i}.inc`] = `include f${i + 1}.inc\n`;
    f['f40.inc'] = 'quiet\n';
    const p = loadFrom(files(f), 'f0.inc');
    expect(errors(p)).toEqual([`includes are nested more than ${MAX_INCLUDE_DEPTH} deep`]);
  });

  test('10,000 includes stop at the limit, quickly', () => {
    const started = performance.now();
    const p = loadFrom(files({ 'a.profile': 'include b.inc\n'.repeat(10_000), 'b.inc': 'nonewprivs\n' }), 'a.profile');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(errors(p)).toEqual([`more than ${MAX_INCLUDES} includes; is a profile including itself over and over?`]);
    expect(kinds(p)).toHaveLength(MAX_INCLUDES);
  });

  test('include forms that are not allowed', () => {
    const t = files({ 'a.profile': 'include sub/x.inc\ninclude ${DOWNLOADS}/x.inc\ninclude\n' });
    expect(errors(loadFrom(t, 'a.profile'))).toEqual([
      "include 'sub/x.inc': give an absolute path, a path under ${HOME} or ${CFG}, or a bare file name",
      "an include may start with ${HOME} or ${CFG}, not '${DOWNLOADS}/x.inc'",
      "'include' needs a file name",
    ]);
  });

  test('a file included twice reports its errors once', () => {
    const t = files({ 'a.profile': 'include b.inc\ninclude b.inc\n', 'b.inc': 'bogus\nnonewprivs\n' });
    const p = loadFrom(t, 'a.profile');
    expect(errors(p)).toHaveLength(1);
    expect(kinds(p)).toEqual(['nonewprivs', 'nonewprivs']);
  });
});

describe('diagnostics', () => {
  test('every error in a file is reported, not only the first', () => {
    const p = loadFrom(files({ 'a.profile': 'privat-dev\nnonewprivs yes\ncaps.drop sys_admn\n?HAS_X12: quiet\nnet lo\n' }), 'a.profile');
    expect(p.diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual(['1:1', '2:12', '3:11', '4:2', '5:5']);
  });

  test('an error under a false condition is still reported', () => {
    expect(errors(loadFrom(files({ 'a.profile': '?HAS_APPIMAGE: whitelst ${HOME}/x\n' }), 'a.profile'))).toHaveLength(1);
  });

  test('a garbage file stops after 50 errors', () => {
    const p = loadFrom(files({ 'a.profile': 'garbage line\n'.repeat(1000) }), 'a.profile');
    expect(errors(p)).toHaveLength(51);
    expect(errors(p)[50]).toContain('too many errors');
  });
});

describe('hostile files: an error naming the file, never a crash or a hang', () => {
  const cases: [string, (t: Tree) => void, string][] = [
    ['a directory', (t) => mkdirSync(t.path('p.profile')), 'is a directory, not a profile'],
    ['a binary', (t) => t.write('p.profile', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00])), 'contains a NUL byte'],
    ['a NUL byte in text', (t) => t.write('p.profile', 'quiet\nseccomp\0\n'), 'contains a NUL byte'],
    ['invalid UTF-8', (t) => t.write('p.profile', Uint8Array.from([0x71, 0x75, 0x69, 0x65, 0x74, 0x0a, 0xff, 0x0a])), 'invalid UTF-8'],
    ['a 1 MB line', (t) => t.write('p.profile', `blacklist /${'x'.repeat(1_000_000)}\n`), 'characters long; the limit is'],
    ['a FIFO', (t) => Bun.spawnSync(['mkfifo', t.path('p.profile')]), 'is not a regular file'],
    ['a file over 4 MiB', (t) => t.write('p.profile', 'nonewprivs\n'.repeat(400_000)), 'is too large'],
  ];
  for (const [name, make, message] of cases) {
    test(name, () => {
      const t = files({ 'main.profile': 'include p.profile\n' });
      make(t);
      const started = performance.now();
      const p = loadFrom(t, 'main.profile');
      expect(performance.now() - started).toBeLessThan(3000);
      expect(p.diagnostics.some((d) => d.file === t.path('p.profile') && d.message.includes(message))).toBe(true);
      expect(p.diagnostics[0]?.includedFrom[0]?.file).toBe(t.path('main.profile'));
    });
  }

});

describe('ignore', () => {
  test('matches a whole command or its first words, and only lines after it', () => {
    const p = loadFrom(
      files({ 'a.profile': 'noroot\nignore noroot\nnoroot\nignore net eth0\nnet eth0\nnet eth1\nignore private\nprivate-dev\nprivate\n' }),
      'a.profile',
    );
    expect(kinds(p)).toEqual(['noroot', 'net', 'private-dev']);
    expect(p.ignored.map((i) => `${i.text} (${i.pattern})`)).toEqual(['noroot (noroot)', 'net eth0 (net eth0)', 'private (private)']);
  });

  test('an ignored line may even be invalid, and an ignored include is not read', () => {
    const p = loadFrom(files({ 'a.profile': 'ignore privat-dev\nprivat-dev\nignore include\ninclude /nonexistent.inc\n' }), 'a.profile');
    expect(p.diagnostics).toEqual([]);
  });

  test('command-line patterns apply from the first line; blanks are collapsed before matching', () => {
    const p = loadFrom(files({ 'a.profile': 'seccomp\ncaps.drop   all\ncaps.keep net_raw\n' }), 'a.profile', { ignores: ['seccomp', 'caps.drop all'] });
    expect(kinds(p)).toEqual(['caps.keep']);
  });

  test('ignore in a .local file, read first, applies to the profile that includes it', () => {
    const t = files({ 'x.profile': 'include x.local\nnet none\nnonewprivs\n', 'x.local': 'ignore net none\n' });
    expect(kinds(loadFrom(t, 'x.profile'))).toEqual(['nonewprivs']);
  });
});

describe('conditions', () => {
  test('HAS_* see the command line and the lines above them', () => {
    const text = '?HAS_NODBUS: nou2f\nnodbus\n?HAS_NODBUS: novideo\n?HAS_NET: notv\n?HAS_X11: no3d\n?HAS_APPIMAGE: nodvd\n';
    expect(kinds(loadFrom(files({ 'a.profile': text }), 'a.profile'))).toEqual(['nodbus', 'novideo']);
    const cli = { ...initialConditions(true), net: true, x11: true };
    expect(kinds(loadFrom(files({ 'a.profile': text }), 'a.profile', { conditions: cli }))).toEqual(['nodbus', 'novideo', 'notv', 'no3d', 'nodvd']);
  });

  const each: [string, string, boolean][] = [
    ['net none', 'HAS_NET', true],
    ['netns x', 'HAS_NET', true],
    ['dbus-user none', 'HAS_NODBUS', true],
    ['dbus-system none', 'HAS_NODBUS', true],
    ['dbus-user filter', 'HAS_NODBUS', false],
    ['nosound', 'HAS_NOSOUND', true],
    ['private', 'HAS_PRIVATE', true],
    ['private-home .x', 'HAS_PRIVATE', true],
    ['x11 none', 'HAS_X11', true],
    ['private-dev', 'HAS_PRIVATE', false],
  ];
  for (const [line, cond, want] of each) {
    test(`${line} makes ${cond} ${want}`, () => {
      const p = loadFrom(files({ 'a.profile': `${line}\n?${cond}: tracelog\n` }), 'a.profile');
      expect(kinds(p).includes('tracelog')).toBe(want);
    });
  }

  test('global switches come from the configuration; conditions nest', () => {
    const text = '?ALLOW_TRAY: nou2f\n?BROWSER_DISABLE_U2F: novideo\n?BROWSER_ALLOW_DRM: notv\n?BROWSER_DISABLE_U2F: ?ALLOW_TRAY: no3d\n';
    expect(kinds(loadFrom(files({ 'a.profile': text }), 'a.profile'))).toEqual(['novideo']);
    const all = { allowTray: true, browserAllowDrm: true, browserDisableU2f: true, tracelog: false };
    expect(kinds(loadFrom(files({ 'a.profile': text }), 'a.profile', { config: all }))).toEqual(['nou2f', 'novideo', 'notv', 'no3d']);
  });

  test('malformed conditions', () => {
    const p = loadFrom(files({ 'a.profile': '?HAS_X11 quiet\n?HAS_NOSUND: quiet\n?HAS_X11:\n?HAS_X11: include a.inc\n?HAS_X11: quiet\n' }), 'a.profile');
    expect(errors(p)).toEqual([
      'a conditional is written ?NAME: followed by a profile line',
      "unknown condition 'HAS_NOSUND' (did you mean 'HAS_NOSOUND'?); known: HAS_APPIMAGE, HAS_NET, HAS_NODBUS, HAS_NOSOUND, HAS_PRIVATE, HAS_X11, ALLOW_TRAY, BROWSER_ALLOW_DRM, BROWSER_DISABLE_U2F",
      'no profile line after the condition ?HAS_X11:',
      "'include' cannot be conditional",
      "'quiet' cannot be conditional",
    ]);
  });
});
