import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { binaryDirs, buildMacroEnv, parseUserDirs, STANDARD_BIN_DIRS } from './env.ts';
import { expandPath, type Expansion } from './macros.ts';
import { fakeEnv, makeTree, type Tree } from './testing.ts';

describe('expandPath', () => {
  const env = fakeEnv({}, { DOWNLOADS: '/home/u/Téléchargement' });
  const cases: [string, Expansion][] = [
    ['/etc/passwd', { kind: 'paths', paths: ['/etc/passwd'] }],
    ['${HOME}/.ssh', { kind: 'paths', paths: ['/home/u/.ssh'] }],
    ['~/.ssh', { kind: 'paths', paths: ['/home/u/.ssh'] }],
    ['~', { kind: 'paths', paths: ['/home/u'] }],
    ['${HOME}', { kind: 'paths', paths: ['/home/u'] }],
    ['${CFG}/x.inc', { kind: 'paths', paths: ['/etc/kiln/x.inc'] }],
    ['${RUNUSER}/gnupg', { kind: 'paths', paths: ['/run/user/1000/gnupg'] }],
    ['${PATH}/su', { kind: 'paths', paths: ['/usr/bin/su', '/usr/sbin/su'] }],
    ['${DOWNLOADS}', { kind: 'paths', paths: ['/home/u/Téléchargement'] }],
    ['${MUSIC}', { kind: 'unresolved', macro: '${MUSIC}' }],
    ['/a//b/./c/', { kind: 'paths', paths: ['/a/b/c'] }],
    ['~/My Virtual Machines', { kind: 'paths', paths: ['/home/u/My Virtual Machines'] }],
    ['/usr/bin/gcc*', { kind: 'paths', paths: ['/usr/bin/gcc*'] }],
    ['${HOME}/a/./b', { kind: 'paths', paths: ['/home/u/a/b'] }],
    ['${HOME}/.a/.b', { kind: 'paths', paths: ['/home/u/.a/.b'] }],
    ['${HOME}/a$b', { kind: 'paths', paths: ['/home/u/a$b'] }],
    ['/x/.', { kind: 'paths', paths: ['/x'] }],
  ];
  for (const [written, want] of cases) {
    test(written, () => expect(expandPath(written, env)).toEqual(want));
  }

  const errors: [string, string][] = [
    ['relative', 'must be absolute'],
    ['~user/x', 'must be absolute'],
    ['${HOME}/../root', "'..' is not allowed"],
    ['${NOPE}/x', "unknown macro '${NOPE}'"],
    ['/x/${HOME}', 'only expanded at the start'],
    ['${HOME}.ssh', "a '/' must follow"],
    ['/x/../y', "'..' is not allowed"],
    ['${HOME}/x/..', "'..' is not allowed"],
  ];
  for (const [written, message] of errors) {
    test(`${written} is an error`, () => {
      const r = expandPath(written, env);
      expect(r.kind).toBe('error');
      if (r.kind === 'error') expect(r.message).toContain(message);
    });
  }
});

test('a home of / or with a trailing slash still gives normal paths', () => {
  expect(expandPath('${HOME}/.ssh', buildMacroEnv('/', 0, undefined))).toEqual({ kind: 'paths', paths: ['/.ssh'] });
  expect(expandPath('${HOME}/.ssh', buildMacroEnv('/home/u/', 0, undefined))).toEqual({ kind: 'paths', paths: ['/home/u/.ssh'] });
  expect(buildMacroEnv('relative/home', 0, undefined).home).toBe('/');
});

describe('XDG user directories', () => {
  let tree: Tree | undefined;
  afterEach(() => tree?.cleanup());

  test('user-dirs.dirs entries under $HOME count; others and empty ones do not', () => {
    const text = '# comment\nXDG_DOWNLOAD_DIR="$HOME/Dl"\nXDG_MUSIC_DIR="/srv/music"\nXDG_VIDEOS_DIR="$HOME/"\n  XDG_DESKTOP_DIR="$HOME/Bureau"\n';
    expect([...parseUserDirs(text)]).toEqual([['XDG_DOWNLOAD_DIR', 'Dl'], ['XDG_DESKTOP_DIR', 'Bureau']]);
  });

  test('the configured directory if it exists, else the first fallback name that exists, else nothing', () => {
    tree = makeTree({ '.config/user-dirs.dirs': 'XDG_DOWNLOAD_DIR="$HOME/Dl"\nXDG_PICTURES_DIR="$HOME/Gone"\n' });
    for (const d of ['Dl', 'Downloads', 'Изображения', 'Musique']) mkdirSync(tree.path(d));
    const env = buildMacroEnv(tree.root, 1000, undefined);
    expect(env.xdgDir('DOWNLOADS')).toBe(tree.path('Dl'));
    expect(env.xdgDir('PICTURES')).toBe(tree.path('Изображения'));
    expect(env.xdgDir('MUSIC')).toBe(tree.path('Musique'));
    expect(env.xdgDir('VIDEOS')).toBeUndefined();
  });

  test('without user-dirs.dirs the English names are used', () => {
    tree = makeTree({});
    mkdirSync(tree.path('Documents'));
    expect(buildMacroEnv(tree.root, 1000, undefined).xdgDir('DOCUMENTS')).toBe(tree.path('Documents'));
  });
});

describe('${PATH}', () => {
  test('standard directories first, then $PATH; aliases and absent directories dropped', () => {
    const real: Record<string, string> = { '/bin': '/usr/bin', '/sbin': '/usr/sbin', '/usr/bin': '/usr/bin', '/usr/sbin': '/usr/sbin', '/opt/x/bin': '/opt/x/bin' };
    expect(binaryDirs('relative:/opt/x/bin:/usr/bin:/nonexistent', (d) => real[d])).toEqual(['/usr/sbin', '/usr/bin', '/opt/x/bin']);
  });

  test('on this machine every standard directory that exists is there', () => {
    const dirs = binaryDirs(undefined);
    expect(dirs).toContain('/usr/bin');
    expect(dirs.length).toBeLessThanOrEqual(STANDARD_BIN_DIRS.length);
  });
});
